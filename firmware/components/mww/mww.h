#pragma once

// mww external component: logs what an mww-built device runs (identity) and whether micro_wake_word
// loaded its models (load result). Line formats: mww's docs/device-log.md.
//
// How the load result is observed (ESPHome's public API only, no patching of micro_wake_word):
// micro_wake_word loads its models when detection starts (micro_wake_word.start), not at setup.
//  - 2024.11: start() loads synchronously; on failure it sets the component's error status and never
//    enters the running state  -> status_has_error().
//  - 2025.x: start() hands over to an inference task that loads the models; on failure the task ends
//    and the component returns to STOPPED           -> is_running() goes true, then false again.
//  - setup failures (e.g. ops could not be registered) -> is_failed().
// Detection running without error for settle_ms counts as loaded.
// Limits: micro_wake_word loads all models as one unit and does not say which model failed, so every
// model gets the same verdict; the reason is mww's summary, the exact cause (e.g. "Failed to allocate
// tensors for the streaming model", "Failed to resize buffer. Requested: ...") is in micro_wake_word's and
// TFLM's own error lines just before. A wake word detected within settle_ms after start would also
// stop detection and be reported as a failure (only possible with sound in the first seconds).

#include "esphome/core/component.h"
#include "esphome/components/micro_wake_word/micro_wake_word.h"

#include <cstdint>
#include <vector>

namespace esphome {
namespace mww {

class MwwComponent : public Component {
 public:
  /// The full identity line text: "mww-identity {json}" (one line, ASCII).
  void set_identity(const char *identity) { this->identity_ = identity; }
  void set_micro_wake_word(micro_wake_word::MicroWakeWord *engine) { this->engine_ = engine; }
  /// One id per model (wake words and VAD) in YAML order; model ids are C++ identifiers.
  void add_model_id(const char *model_id) { this->model_ids_.push_back(model_id); }
  void set_settle_ms(uint32_t settle_ms) { this->settle_ms_ = settle_ms; }

  void setup() override;
  void loop() override;
  void dump_config() override;
  float get_setup_priority() const override { return setup_priority::LATE; }

 protected:
  void report_(bool ok, const char *reason);

  const char *identity_{""};
  micro_wake_word::MicroWakeWord *engine_{nullptr};
  std::vector<const char *> model_ids_;
  uint32_t settle_ms_{3000};
  uint32_t running_since_{0};
  bool was_running_{false};
  bool reported_{false};
};

}  // namespace mww
}  // namespace esphome
