// The declaration is all: libFuzzer defines LLVMFuzzerRunDriver.
#include "CFuzzer.h"
