"""Device catalog (replaced by the simulator work with sourced presets)."""

DEVICE_PRESETS: dict = {"rram": None, "pcm": None, "sram": None}
