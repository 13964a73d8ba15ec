# A user C module of the ESP8266-profile interpreter build (make kit): no Python module, only
# the heap allocator that ports/esp8266/posix_helpers.c gives axTLS.
AXTLS_GC_DIR := $(USERMOD_DIR)
SRC_USERMOD_C += $(AXTLS_GC_DIR)/axtls_gc.c
