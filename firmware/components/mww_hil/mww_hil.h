#pragma once

// mww_hil: hardware-in-loop test mode (wire protocol: mww's docs/hil-protocol.md).
//
// HilMicrophone is an ESPHome microphone whose samples come from audio frames the host sends over the
// logger's UART. micro_wake_word is configured with `microphone: <this id>` and runs unmodified on them.
// After each inference the component reports micro_wake_word's uint8 output to the host.
//
// How the per-inference output is obtained (micro_wake_word has no public API for it):
//  - the wake word models come from MicroWakeWord::get_wake_words() (public, ESPHome 2025.2+);
//  - each model's `last_n_index_` (protected, StreamingModel) advances by one per inference; its interpreter's
//    output tensor holds the newest uint8 output. Both are read through member pointers formed in a derived
//    type (ModelPeek in mww_hil.cpp): standard C++, no patch to ESPHome, and a rename in a future ESPHome is
//    a compile error, never a silent misread.
//  - Pacing makes the reading exact: audio is handed to micro_wake_word one inference's worth at a time
//    (stride x 10 ms steps, 2 extra steps before the first: the frontend's 30 ms window), and the next
//    portion only after the index moved, so exactly one new output exists at each observation, including
//    when a detection has just cleared the sliding window.
// Limits: sliding_window_size 1 cannot be observed through the index (the window would need to move), and
// the VAD model is not reported; the detection frame's window sum is 0 (the window is already cleared
// when on_wake_word_detected runs); ESPHome 2024.x lacks get_wake_words() and is not supported.

#include "esphome/components/micro_wake_word/micro_wake_word.h"
#include "esphome/components/microphone/microphone.h"
#include "esphome/core/component.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace esphome {
namespace mww_hil {

class HilMicrophone : public microphone::Microphone, public Component {
 public:
  void set_micro_wake_word(micro_wake_word::MicroWakeWord *engine) { this->engine_ = engine; }
  void set_uart_num(int uart_num) { this->uart_num_ = uart_num; }
  void set_baud_rate(uint32_t baud_rate) { this->baud_rate_ = baud_rate; }
  void set_queue_frames(uint16_t frames) { this->queue_frames_ = frames; }

  void setup() override;
  void loop() override;
  void dump_config() override;
  float get_setup_priority() const override { return setup_priority::AFTER_CONNECTION; }

  // microphone::Microphone: micro_wake_word starts and stops us like a real microphone.
  void start() override;
  void stop() override;

  /// Call from micro_wake_word's on_wake_word_detected (YAML lambda, see README.md).
  void on_wake_word_detected(const std::string &wake_word);

 protected:
  struct Event {
    uint8_t type;  // REPORT or DETECT
    uint8_t model;
    uint8_t probability;
    uint16_t window_sum;
    uint32_t invoke;
  };

  void read_link_();
  void handle_frame_(uint8_t type, const uint8_t *payload, uint16_t length);
  void handle_audio_(const uint8_t *payload, uint16_t length);
  void start_run_(uint8_t model, uint8_t stride);
  void feed_audio_();
  void observe_inferences_();
  void push_event_(const Event &event);
  void send_event_(uint32_t seq, const Event &event);
  void send_frame_(uint8_t type, const uint8_t *payload, uint16_t length);
  void send_ack_();
  void send_status_();
  void send_error_(uint8_t code, const char *message);
  uint16_t credits_() const { return this->queue_frames_ - this->queued_; }

  micro_wake_word::MicroWakeWord *engine_{nullptr};
  int uart_num_{0};
  uint32_t baud_rate_{921600};
  uint16_t queue_frames_{32};

  // Receive side: bytes until a whole frame is in (resynchronising on the SYNC byte).
  std::vector<uint8_t> rx_;
  // Audio queue: queue_frames_ slots of one 10 ms step (160 samples) each.
  std::vector<int16_t> audio_;
  // The step handed to the data callbacks; reused so feeding audio does not allocate per step.
  std::vector<uint8_t> step_bytes_;
  uint16_t head_{0};
  uint16_t queued_{0};
  uint32_t next_seq_{0};
  uint32_t nak_sent_for_{UINT32_MAX};
  uint32_t stop_frames_{UINT32_MAX};

  // Run state.
  uint8_t state_run_{0};  // DeviceState of the protocol
  uint8_t model_{0xff};
  uint8_t stride_{3};
  uint32_t steps_fed_{0};
  uint32_t invokes_{0};
  uint32_t waiting_since_{0};
  bool waiting_{false};
  // micro_wake_word's models (get_wake_words() returns a fresh vector: fetched once per run, not per loop).
  std::vector<micro_wake_word::WakeWordModel *> models_;
  std::vector<size_t> last_index_;

  // Events (reports and detections) kept for RESEND.
  std::vector<Event> history_;
  uint32_t events_{0};

  // Counters sent in STATUS.
  uint32_t frames_received_{0};
  uint32_t crc_errors_{0};
  uint32_t gaps_{0};
  uint32_t duplicates_{0};
  uint32_t overflows_{0};
  uint32_t resends_{0};
};

}  // namespace mww_hil
}  // namespace esphome
