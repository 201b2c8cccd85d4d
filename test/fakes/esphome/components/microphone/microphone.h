#pragma once
#include "esphome/components/audio/audio.h"
#include "esphome/core/helpers.h"
#include <cstdint>
#include <vector>
namespace esphome {
namespace microphone {
enum State : uint8_t { STATE_STOPPED = 0, STATE_STARTING, STATE_RUNNING, STATE_STOPPING };
class Microphone {
 public:
  virtual void start() = 0;
  virtual void stop() = 0;
  template<typename F> void add_data_callback(F &&data_callback) { this->data_callbacks_.add(std::forward<F>(data_callback)); }
  bool is_running() const { return this->state_ == STATE_RUNNING; }
  audio::AudioStreamInfo get_audio_stream_info() { return this->audio_stream_info_; }
 protected:
  State state_{STATE_STOPPED};
  bool mute_state_{false};
  audio::AudioStreamInfo audio_stream_info_;
  CallbackManager<void(const std::vector<uint8_t> &)> data_callbacks_{};
};
}  // namespace microphone
}  // namespace esphome
