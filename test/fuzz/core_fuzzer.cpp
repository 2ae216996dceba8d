/* libFuzzer target over the core's parsers (built by scripts/fuzz.sh with
 * clang++ -fsanitize=fuzzer,address,undefined). Each input is fed to every parser of user input
 * (targets.hpp); a call that throws anything but link_module::Error aborts, so libFuzzer saves
 * the input as a crash. Stack overflows, memory errors and undefined behaviour are reported by
 * the sanitizers, slow inputs by libFuzzer's -timeout. */
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <sanitizer/common_interface_defs.h>

#include "targets.hpp"

static void
PrintStep() {
	std::fprintf(stderr, "core_fuzzer: died in %s\n", link_module::fuzz::g_step);
}

extern "C" int
LLVMFuzzerInitialize(int *, char ***) {
	__sanitizer_set_death_callback(PrintStep);
	const char *trace = std::getenv("LM_FUZZ_TRACE");
	link_module::fuzz::g_trace = trace && *trace == '1';
	return 0;
}

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size) {
	link_module::fuzz::Outcome outcome =
	    link_module::fuzz::RunAll(std::string_view(reinterpret_cast<const char *>(data), size));
	if (!outcome.unexpected.empty()) {
		std::fprintf(stderr, "core_fuzzer: non-Error exception from %s\n", outcome.unexpected.c_str());
		std::abort();
	}
	return 0;
}
