#pragma once
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
