#include "mww.h"

#include "esphome/core/hal.h"
#include "esphome/core/log.h"

namespace esphome {
namespace mww {

static const char *const TAG = "mww";

void MwwComponent::setup() { ESP_LOGI(TAG, "%s", this->identity_); }

// Logged at level I (not C) so the identity reaches the log at the default level, as the verifier expects.
void MwwComponent::dump_config() { ESP_LOGI(TAG, "%s", this->identity_); }

void MwwComponent::loop() {
  if (this->reported_ || this->engine_ == nullptr)
    return;
  if (this->engine_->is_failed()) {
    this->report_(false, "micro_wake_word failed during setup");
    return;
  }
  if (this->engine_->status_has_error()) {
    this->report_(false, "micro_wake_word could not load the models (see its error lines above)");
    return;
  }
  const bool running = this->engine_->is_running();
  const uint32_t now = millis();
  if (running && !this->was_running_)
    this->running_since_ = now;
  if (!running && this->was_running_) {
    this->report_(false, "detection stopped right after it started: the models did not load (see micro_wake_word errors above)");
    return;
  }
  this->was_running_ = running;
  if (running && now - this->running_since_ >= this->settle_ms_)
    this->report_(true, nullptr);
}

void MwwComponent::report_(bool ok, const char *reason) {
  this->reported_ = true;
  for (const char *model_id : this->model_ids_) {
    if (ok) {
      ESP_LOGI(TAG, "mww-load {\"v\":1,\"id\":\"%s\",\"ok\":true}", model_id);
    } else {
      ESP_LOGE(TAG, "mww-load {\"v\":1,\"id\":\"%s\",\"ok\":false,\"reason\":\"%s\"}", model_id, reason);
    }
  }
}

}  // namespace mww
}  // namespace esphome
