#pragma once
// Same class layout and member names as ESPHome 2025.x streaming_model.h (the members mww_hil reads).
#include <tensorflow/lite/micro/micro_interpreter.h>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>
namespace esphome {
namespace micro_wake_word {
class StreamingModel {
 public:
  virtual ~StreamingModel() = default;
  virtual void log_model_config() = 0;
  virtual bool determine_detected() = 0;
 protected:
  uint8_t current_stride_step_{0};
  float probability_cutoff_;
  size_t sliding_window_size_;
  size_t last_n_index_{0};
  size_t tensor_arena_size_;
  std::vector<uint8_t> recent_streaming_probabilities_;
  const uint8_t *model_start_;
  std::unique_ptr<tflite::MicroInterpreter> interpreter_;
};
class WakeWordModel final : public StreamingModel {
 public:
  void log_model_config() override {}
  bool determine_detected() override { return false; }
  const std::string &get_wake_word() const { return this->wake_word_; }
 protected:
  std::string wake_word_;
};
}  // namespace micro_wake_word
}  // namespace esphome
