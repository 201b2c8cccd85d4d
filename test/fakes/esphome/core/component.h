#pragma once
// Fake of the part of ESPHome's esphome/core/component.h that mww's components use (for g++ -fsyntax-only).
#include <cstdint>
namespace esphome {
namespace setup_priority {
extern const float AFTER_CONNECTION;
extern const float LATE;
}  // namespace setup_priority
class Component {
 public:
  virtual ~Component() = default;
  virtual void setup() {}
  virtual void loop() {}
  virtual void dump_config() {}
  virtual float get_setup_priority() const { return 0.0f; }
  bool is_failed() const { return false; }
  bool status_has_error() const { return false; }
};
}  // namespace esphome
