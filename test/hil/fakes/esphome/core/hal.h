#pragma once
#include <cstdint>
namespace esphome {
uint32_t millis();
}
