// libFuzzer's driver entry (compiler-rt, linked by -sanitize=fuzzer): spd-fuzz's main hands it the arguments and
// the function that takes one input.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
