#pragma once
#include <cstddef>
#include <cstdint>
struct TfLiteTensor {
  union {
    int8_t *int8;
    uint8_t *uint8;
  } data;
};
namespace tflite {
class MicroInterpreter {
 public:
  TfLiteTensor *output(size_t index);
};
class MicroResourceVariables;
class MicroAllocator;
}  // namespace tflite
