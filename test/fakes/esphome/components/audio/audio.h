#pragma once
#include <cstdint>
namespace esphome {
namespace audio {
class AudioStreamInfo {
 public:
  AudioStreamInfo(uint8_t bits_per_sample = 16, uint8_t channels = 1, uint32_t sample_rate = 16000)
      : bits_per_sample_(bits_per_sample), channels_(channels), sample_rate_(sample_rate) {}
 protected:
  uint8_t bits_per_sample_;
  uint8_t channels_;
  uint32_t sample_rate_;
};
}  // namespace audio
}  // namespace esphome
