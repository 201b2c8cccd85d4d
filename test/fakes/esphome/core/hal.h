#pragma once
// Fake of ESPHome's esphome/core/hal.h.
#include <cstdint>
namespace esphome {
uint32_t millis();
}  // namespace esphome
