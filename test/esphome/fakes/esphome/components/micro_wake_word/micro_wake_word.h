#pragma once
// Fake of the public surface of ESPHome's MicroWakeWord that the mww component uses: namespace
// esphome::micro_wake_word, class MicroWakeWord : public Component, start()/stop()/is_running() — the same in
// 2024.11 (is_running: state_ != State::IDLE) and 2025.x (state_ != State::STOPPED), per
// esphome/components/micro_wake_word/micro_wake_word.h of those releases.
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
