#pragma once
void esphome_fake_log(const char *tag, const char *format, ...) __attribute__((format(printf, 2, 3)));
#define ESP_LOGI(tag, ...) esphome_fake_log(tag, __VA_ARGS__)
#define ESP_LOGE(tag, ...) esphome_fake_log(tag, __VA_ARGS__)
#define ESP_LOGW(tag, ...) esphome_fake_log(tag, __VA_ARGS__)
#define ESP_LOGD(tag, ...) esphome_fake_log(tag, __VA_ARGS__)
#define ESP_LOGCONFIG(tag, ...) esphome_fake_log(tag, __VA_ARGS__)
