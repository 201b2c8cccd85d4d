#include "mww_hil.h"

#include "esphome/core/hal.h"
#include "esphome/core/log.h"

#include <driver/uart.h>

#include <cstring>

namespace esphome {
namespace mww_hil {

static const char *const TAG = "mww_hil";

// Wire constants: docs/hil-protocol.md (mww). Keep in sync with src/hil/protocol.ts.
static const uint8_t SYNC = 0xF9;
static const uint8_t PROTOCOL_VERSION = 1;
static const size_t HEADER = 5;
static const size_t OVERHEAD = 9;
static const uint16_t MAX_PAYLOAD = 4096;
// Largest payload the device sends (CAPS with its model names); frames are built on the stack.
static const size_t MAX_TX_PAYLOAD = 512;
static const uint16_t STEP = 160;
enum : uint8_t {
  HELLO = 0x01, START = 0x02, AUDIO = 0x03, STOP = 0x04, RESET = 0x05, POLL = 0x06, RESEND = 0x07,
  CAPS = 0x81, ACK = 0x82, NAK = 0x83, REPORT = 0x84, DETECT = 0x85, STATUS = 0x86, ERROR = 0x87, GONE = 0x88,
};
enum : uint8_t { IDLE = 0, RUNNING = 1, DRAINING = 2, DONE = 3 };
static const size_t HISTORY = 256;
// An inference must show up this long after its audio was handed over, else one more step is fed (the
// frontend's alignment on this ESPHome release differs from the assumed one).
static const uint32_t INFERENCE_WAIT_MS = 250;

static uint8_t crc8(const uint8_t *p, size_t n) {
  uint8_t c = 0;
  while (n--) {
    c ^= *p++;
    for (int k = 0; k < 8; k++) c = (c & 0x80) ? (uint8_t) ((c << 1) ^ 0x07) : (uint8_t) (c << 1);
  }
  return c;
}

static uint32_t crc32(const uint8_t *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  while (n--) {
    c ^= *p++;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xFFFFFFFFu;
}

static void put16(uint8_t *p, uint16_t v) {
  p[0] = v & 0xFF;
  p[1] = v >> 8;
}
static void put32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (v >> (8 * i)) & 0xFF;
}
static uint32_t get32(const uint8_t *p) { return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t) p[3] << 24); }

// Names micro_wake_word's protected per-model state. Forming `&ModelPeek::member` is allowed inside a derived
// type and yields a `T StreamingModel::*` usable on every StreamingModel; ModelPeek is never instantiated.
struct ModelPeek : micro_wake_word::StreamingModel {
  static constexpr auto last_index() { return &ModelPeek::last_n_index_; }
  static constexpr auto interpreter() { return &ModelPeek::interpreter_; }
  static constexpr auto window() { return &ModelPeek::recent_streaming_probabilities_; }
};

static size_t model_last_index(micro_wake_word::StreamingModel *m) { return m->*ModelPeek::last_index(); }
static uint8_t model_output(micro_wake_word::StreamingModel *m) {
  auto &interpreter = m->*ModelPeek::interpreter();
  return interpreter ? interpreter->output(0)->data.uint8[0] : 0;
}
static uint16_t model_window_sum(micro_wake_word::StreamingModel *m) {
  uint16_t sum = 0;
  for (uint8_t p : m->*ModelPeek::window()) sum += p;
  return sum;
}

void HilMicrophone::setup() {
  this->audio_stream_info_ = audio::AudioStreamInfo(16, 1, 16000);
  this->audio_.assign((size_t) this->queue_frames_ * STEP, 0);
  this->step_bytes_.reserve(STEP * sizeof(int16_t));
  this->rx_.reserve(1024);
  this->history_.reserve(HISTORY);
  // The logger installed the UART driver; only the rate changes (frames and log lines share the line).
  uart_set_baudrate((uart_port_t) this->uart_num_, this->baud_rate_);
}

void HilMicrophone::dump_config() {
  ESP_LOGCONFIG(TAG, "mww_hil test mode: UART%d at %u baud, %u audio frames buffered", this->uart_num_,
                (unsigned) this->baud_rate_, (unsigned) this->queue_frames_);
}

void HilMicrophone::start() { this->state_ = microphone::STATE_RUNNING; }
void HilMicrophone::stop() { this->state_ = microphone::STATE_STOPPED; }

void HilMicrophone::loop() {
  this->read_link_();
  if (this->state_run_ == RUNNING || this->state_run_ == DRAINING) {
    this->observe_inferences_();
    this->feed_audio_();
    if (this->state_run_ == DRAINING && this->queued_ == 0 && !this->waiting_) {
      this->state_run_ = DONE;
      this->send_status_();
    }
  }
}

void HilMicrophone::read_link_() {
  uint8_t buf[256];
  size_t available = 0;
  uart_get_buffered_data_len((uart_port_t) this->uart_num_, &available);
  while (available > 0) {
    int n = uart_read_bytes((uart_port_t) this->uart_num_, buf, available < sizeof(buf) ? available : sizeof(buf), 0);
    if (n <= 0)
      break;
    available -= n;
    this->rx_.insert(this->rx_.end(), buf, buf + n);
  }
  size_t pos = 0;
  while (pos < this->rx_.size()) {
    const uint8_t *p = this->rx_.data() + pos;
    size_t left = this->rx_.size() - pos;
    if (p[0] != SYNC) {
      pos++;
      continue;
    }
    if (left < HEADER)
      break;
    uint16_t length = p[2] | (p[3] << 8);
    if (crc8(p + 1, 3) != p[4] || length > MAX_PAYLOAD) {
      pos++;
      continue;
    }
    if (left < OVERHEAD + length)
      break;
    if (crc32(p + 1, HEADER - 1 + length) != get32(p + HEADER + length)) {
      this->crc_errors_++;
      pos++;
      continue;
    }
    this->handle_frame_(p[1], p + HEADER, length);
    pos += OVERHEAD + length;
  }
  this->rx_.erase(this->rx_.begin(), this->rx_.begin() + pos);
}

void HilMicrophone::handle_frame_(uint8_t type, const uint8_t *p, uint16_t length) {
  switch (type) {
    case HELLO: {
      uint8_t out[MAX_TX_PAYLOAD];
      size_t n = 0;
      out[n++] = PROTOCOL_VERSION;
      put16(out + n, this->queue_frames_);
      n += 2;
      put16(out + n, STEP);  // one step per frame: the queue holds 10 ms slots
      n += 2;
      const size_t count_at = n++;
      uint8_t count = 0;
      for (auto *model : this->engine_->get_wake_words()) {
        const std::string &name = model->get_wake_word();
        size_t len = name.size() > 255 ? 255 : name.size();
        if (n + 1 + len > sizeof(out) || count == 255)
          break;  // the count says how many names fit, so the host never reads a truncated list
        out[n++] = (uint8_t) len;
        memcpy(out + n, name.data(), len);
        n += len;
        count++;
      }
      out[count_at] = count;
      this->send_frame_(CAPS, out, n);
      break;
    }
    case START:
      if (length == 5)
        this->start_run_(p[0], p[1]);
      break;
    case AUDIO:
      this->handle_audio_(p, length);
      break;
    case STOP:
      if (length != 4)
        break;
      if (this->state_run_ == IDLE) {
        this->send_error_(3, "STOP without START");
      } else if (this->state_run_ == DONE) {
        this->send_status_();
      } else if (this->next_seq_ < get32(p)) {
        uint8_t out[5];
        put32(out, this->next_seq_);
        out[4] = 1;
        this->send_frame_(NAK, out, 5);
      } else {
        this->stop_frames_ = get32(p);
        this->state_run_ = DRAINING;
      }
      break;
    case RESET:
      this->state_run_ = IDLE;
      this->queued_ = 0;
      this->send_ack_();
      break;
    case POLL:
      this->send_ack_();
      this->send_status_();
      break;
    case RESEND: {
      if (length != 4)
        break;
      uint32_t from = get32(p);
      uint32_t oldest = this->events_ - this->history_.size();
      if (from < oldest) {
        uint8_t out[8];
        put32(out, from);
        put32(out + 4, oldest);
        this->send_frame_(GONE, out, 8);
        from = oldest;
      }
      for (uint32_t e = from; e < this->events_; e++) {
        this->resends_++;
        this->send_event_(e, this->history_[e % HISTORY]);
      }
      if (this->state_run_ == DONE)
        this->send_status_();
      break;
    }
    default:
      this->send_error_(1, "unexpected frame type");
  }
}

void HilMicrophone::start_run_(uint8_t model, uint8_t stride) {
  this->models_ = this->engine_->get_wake_words();
  if (model != 0xFF && model >= this->models_.size()) {
    this->send_error_(2, "no such model");
    return;
  }
  if (stride == 0) {
    this->send_error_(1, "START needs the model's stride");
    return;
  }
  this->model_ = model;
  this->stride_ = stride;
  this->head_ = this->queued_ = 0;
  this->next_seq_ = 0;
  this->nak_sent_for_ = UINT32_MAX;
  this->stop_frames_ = UINT32_MAX;
  this->steps_fed_ = this->invokes_ = 0;
  this->waiting_ = false;
  this->history_.clear();
  this->events_ = 0;
  this->frames_received_ = this->crc_errors_ = this->gaps_ = this->duplicates_ = this->overflows_ = this->resends_ = 0;
  this->last_index_.clear();
  for (auto *m : this->models_)
    this->last_index_.push_back(model_last_index(m));
  this->state_run_ = RUNNING;
  ESP_LOGI(TAG, "test mode started: model %u, stride %u", model, stride);
  this->send_ack_();
}

void HilMicrophone::handle_audio_(const uint8_t *p, uint16_t length) {
  if (this->state_run_ != RUNNING || length != 4 + 2 * STEP) {
    this->duplicates_++;
    return;
  }
  uint32_t seq = get32(p);
  if (seq < this->next_seq_) {
    this->duplicates_++;
    return;
  }
  if (seq > this->next_seq_) {
    if (this->nak_sent_for_ != this->next_seq_) {
      this->gaps_++;
      this->nak_sent_for_ = this->next_seq_;
      uint8_t out[5];
      put32(out, this->next_seq_);
      out[4] = 1;
      this->send_frame_(NAK, out, 5);
    }
    return;
  }
  if (this->queued_ >= this->queue_frames_) {
    this->overflows_++;
    return;
  }
  uint16_t slot = (this->head_ + this->queued_) % this->queue_frames_;
  int16_t *dst = this->audio_.data() + (size_t) slot * STEP;
  for (uint16_t i = 0; i < STEP; i++)
    dst[i] = (int16_t) (p[4 + 2 * i] | (p[5 + 2 * i] << 8));
  this->queued_++;
  this->next_seq_++;
  this->nak_sent_for_ = UINT32_MAX;
  this->frames_received_++;
}

// Hand audio to micro_wake_word up to the step that completes the next inference, then wait for it.
void HilMicrophone::feed_audio_() {
  if (this->state_ != microphone::STATE_RUNNING)
    return;  // micro_wake_word has not started (or stopped) the microphone
  if (this->waiting_) {
    if (millis() - this->waiting_since_ < INFERENCE_WAIT_MS)
      return;
    this->waiting_ = false;  // alignment differs: feed one more step
  }
  bool freed = false;
  while (this->queued_ > 0) {
    const int16_t *src = this->audio_.data() + (size_t) this->head_ * STEP;
    this->step_bytes_.assign((const uint8_t *) src, (const uint8_t *) (src + STEP));
    this->data_callbacks_.call(this->step_bytes_);
    this->head_ = (this->head_ + 1) % this->queue_frames_;
    this->queued_--;
    this->steps_fed_++;
    freed = true;
    if (this->steps_fed_ >= 2u + (uint32_t) this->stride_ * (this->invokes_ + 1)) {
      this->waiting_ = true;
      this->waiting_since_ = millis();
      break;
    }
  }
  if (freed)
    this->send_ack_();
}

void HilMicrophone::observe_inferences_() {
  const auto &models = this->models_;
  bool advanced = false;
  for (size_t i = 0; i < models.size() && i < this->last_index_.size(); i++) {
    size_t index = model_last_index(models[i]);
    if (index == this->last_index_[i])
      continue;
    this->last_index_[i] = index;
    if (this->model_ != 0xFF && this->model_ != i)
      continue;
    Event e{REPORT, (uint8_t) i, model_output(models[i]), model_window_sum(models[i]), this->invokes_};
    this->push_event_(e);
    advanced = true;
  }
  if (advanced) {
    this->invokes_++;
    this->waiting_ = false;
  }
}

void HilMicrophone::on_wake_word_detected(const std::string &wake_word) {
  if (this->state_run_ != RUNNING && this->state_run_ != DRAINING)
    return;
  const auto &models = this->models_;
  for (size_t i = 0; i < models.size(); i++) {
    if (models[i]->get_wake_word() != wake_word)
      continue;
    Event e{DETECT, (uint8_t) i, 0, 0, this->invokes_ > 0 ? this->invokes_ - 1 : 0};
    this->push_event_(e);
  }
}

void HilMicrophone::push_event_(const Event &event) {
  if (this->history_.size() < HISTORY) {
    this->history_.push_back(event);
  } else {
    this->history_[this->events_ % HISTORY] = event;
  }
  this->send_event_(this->events_, event);
  this->events_++;
}

void HilMicrophone::send_event_(uint32_t seq, const Event &e) {
  uint8_t out[12];
  put32(out, seq);
  put32(out + 4, e.invoke);
  out[8] = e.model;
  if (e.type == REPORT) {
    out[9] = e.probability;
    put16(out + 10, e.window_sum);
    this->send_frame_(REPORT, out, 12);
  } else {
    put16(out + 9, e.window_sum);
    this->send_frame_(DETECT, out, 11);
  }
}

void HilMicrophone::send_frame_(uint8_t type, const uint8_t *payload, uint16_t length) {
  if (length > MAX_TX_PAYLOAD)
    return;
  uint8_t f[OVERHEAD + MAX_TX_PAYLOAD];
  f[0] = SYNC;
  f[1] = type;
  put16(&f[2], length);
  f[4] = crc8(&f[1], 3);
  if (length)
    memcpy(&f[HEADER], payload, length);
  put32(&f[HEADER + length], crc32(&f[1], HEADER - 1 + length));
  // One uart_write_bytes call per frame: the driver serialises whole calls, so a log line written by another
  // task lands before or after the frame, never inside it.
  uart_write_bytes((uart_port_t) this->uart_num_, (const char *) f, OVERHEAD + length);
}

void HilMicrophone::send_ack_() {
  uint8_t out[6];
  put32(out, this->next_seq_);
  put16(out + 4, this->credits_());
  this->send_frame_(ACK, out, 6);
}

void HilMicrophone::send_status_() {
  uint8_t out[39];
  out[0] = this->state_run_;
  put16(out + 1, this->credits_());
  const uint32_t fields[9] = {this->next_seq_, this->events_, this->invokes_, this->frames_received_, this->crc_errors_,
                              this->gaps_, this->duplicates_, this->overflows_, this->resends_};
  for (int i = 0; i < 9; i++)
    put32(out + 3 + 4 * i, fields[i]);
  this->send_frame_(STATUS, out, sizeof(out));
}

void HilMicrophone::send_error_(uint8_t code, const char *message) {
  uint8_t out[128];
  size_t n = strlen(message);
  if (n > sizeof(out) - 1)
    n = sizeof(out) - 1;
  out[0] = code;
  memcpy(out + 1, message, n);
  this->send_frame_(ERROR, out, 1 + n);
}

}  // namespace mww_hil
}  // namespace esphome
