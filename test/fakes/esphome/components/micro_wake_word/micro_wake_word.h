#pragma once
// Fake of the public surface of ESPHome's MicroWakeWord that mww's components use: namespace
// esphome::micro_wake_word, class MicroWakeWord : public Component, start()/stop()/is_running() (the same in 2024.11
// and 2025.x), plus get_wake_word_detected_trigger() and get_wake_words() (2025.2+, used by the mww_hil test mode).
#include "streaming_model.h"
#include "esphome/core/automation.h"
#include "esphome/core/component.h"
#include <string>
#include <vector>
namespace esphome {
namespace micro_wake_word {
class MicroWakeWord : public Component {
 public:
  void start();
  void stop();
  bool is_running() const;
  Trigger<std::string> *get_wake_word_detected_trigger() const;
  std::vector<WakeWordModel *> get_wake_words();
};
}  // namespace micro_wake_word
}  // namespace esphome
