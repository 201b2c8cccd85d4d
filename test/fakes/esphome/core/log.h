#pragma once
// Fake of ESPHome's logging macros; printf format checking catches mismatched arguments.
namespace esphome {
void esp_log_printf_(int level, const char *tag, int line, const char *format, ...) __attribute__((format(printf, 4, 5)));
}  // namespace esphome
#define ESP_LOGE(tag, ...) ::esphome::esp_log_printf_(1, tag, __LINE__, __VA_ARGS__)
#define ESP_LOGW(tag, ...) ::esphome::esp_log_printf_(2, tag, __LINE__, __VA_ARGS__)
#define ESP_LOGI(tag, ...) ::esphome::esp_log_printf_(3, tag, __LINE__, __VA_ARGS__)
#define ESP_LOGCONFIG(tag, ...) ::esphome::esp_log_printf_(4, tag, __LINE__, __VA_ARGS__)
#define ESP_LOGD(tag, ...) ::esphome::esp_log_printf_(5, tag, __LINE__, __VA_ARGS__)
