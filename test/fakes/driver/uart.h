#pragma once
// esp-idf driver/uart.h (the functions mww_hil uses, same signatures).
#include <cstddef>
#include <cstdint>
typedef int esp_err_t;
typedef enum { UART_NUM_0 = 0, UART_NUM_1, UART_NUM_2, UART_NUM_MAX } uart_port_t;
typedef uint32_t TickType_t;
esp_err_t uart_set_baudrate(uart_port_t uart_num, uint32_t baudrate);
esp_err_t uart_get_buffered_data_len(uart_port_t uart_num, size_t *size);
int uart_read_bytes(uart_port_t uart_num, void *buf, uint32_t length, TickType_t ticks_to_wait);
int uart_write_bytes(uart_port_t uart_num, const void *src, size_t size);
