#pragma once
// Fake of the public surface of ESPHome's MicroWakeWord that the mww component uses.
#include "esphome/core/component.h"
namespace esphome {
namespace micro_wake_word {
class MicroWakeWord : public Component {
 public:
  void start() {}
  void stop() {}
  bool is_running() const { return false; }
};
}  // namespace micro_wake_word
}  // namespace esphome
