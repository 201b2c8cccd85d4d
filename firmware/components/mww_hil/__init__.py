"""mww_hil: hardware-in-loop test mode for an mww-built ESPHome device.

A virtual microphone whose audio comes from the host over the logger's UART (framed 16 kHz s16le PCM with
sequence numbers, CRC-32 and credit-based flow control), so micro_wake_word runs unmodified on injected audio,
and a reporter that sends micro_wake_word's output for every inference and every detection back in compact
binary frames. Wire protocol: mww's docs/hil-protocol.md. Host side: `mww hil PORT --model M.json AUDIO`.
Test builds only: the microphone replaces the real one while the component is in the configuration.
"""

import esphome.codegen as cg
from esphome.components import audio, micro_wake_word, microphone
import esphome.config_validation as cv
from esphome.const import CONF_BAUD_RATE, CONF_ID

CODEOWNERS = []
DEPENDENCIES = ["micro_wake_word", "logger"]
AUTO_LOAD = ["audio", "microphone"]

CONF_MICRO_WAKE_WORD_ID = "micro_wake_word_id"
CONF_UART_NUM = "uart_num"
CONF_QUEUE_FRAMES = "queue_frames"

mww_hil_ns = cg.esphome_ns.namespace("mww_hil")
HilMicrophone = mww_hil_ns.class_("HilMicrophone", microphone.Microphone, cg.Component)

CONFIG_SCHEMA = cv.All(
    microphone.MICROPHONE_SCHEMA.extend(
        {
            cv.GenerateID(): cv.declare_id(HilMicrophone),
            cv.GenerateID(CONF_MICRO_WAKE_WORD_ID): cv.use_id(micro_wake_word.MicroWakeWord),
            # The UART the logger writes to (frames share it with the log lines; 0xF9 never occurs in them).
            cv.Optional(CONF_UART_NUM, default=0): cv.int_range(min=0, max=2),
            # 16 kHz x 2 B plus 9 B framing per 320 B frame = 33,300 B/s = 333,000 baud at 10 bits per byte.
            cv.Optional(CONF_BAUD_RATE, default=921600): cv.int_range(min=460800, max=3000000),
            # Audio frames buffered on the device = the credit window granted to the host (160 samples each).
            cv.Optional(CONF_QUEUE_FRAMES, default=32): cv.int_range(min=4, max=128),
        }
    ).extend(cv.COMPONENT_SCHEMA),
    audio.set_stream_limits(
        min_bits_per_sample=16,
        max_bits_per_sample=16,
        min_channels=1,
        max_channels=1,
        min_sample_rate=16000,
        max_sample_rate=16000,
    ),
)


async def to_code(config):
    var = cg.new_Pvariable(config[CONF_ID])
    await cg.register_component(var, config)
    await microphone.register_microphone(var, config)
    engine = await cg.get_variable(config[CONF_MICRO_WAKE_WORD_ID])
    cg.add(var.set_micro_wake_word(engine))
    cg.add(var.set_uart_num(config[CONF_UART_NUM]))
    cg.add(var.set_baud_rate(config[CONF_BAUD_RATE]))
    cg.add(var.set_queue_frames(config[CONF_QUEUE_FRAMES]))
    cg.add_define("USE_MWW_HIL")
