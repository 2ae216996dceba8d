#include "pg/encoding.hpp"

#include <cstring>

#include "pg/guard.hpp"

extern "C" {
#include "mb/pg_wchar.h"
}

namespace link_module::pg {

namespace {

/* Runs a conversion and takes its result into a std::string, freeing what it allocated. */
std::string
Converted(const char *text, std::size_t length, char *(*convert)(const char *, int, int)) {
	char *out = PgCall(convert, text, static_cast<int>(length), static_cast<int>(PG_UTF8));
	if (out == text)
		return std::string(text, length);
	std::string result(out);
	PgCall(pfree, static_cast<void *>(out));
	return result;
}

} // namespace

bool
ServerIsUtf8() {
	return GetDatabaseEncoding() == PG_UTF8;
}

std::string
ToUtf8(const char *text, std::size_t length) {
	if (ServerIsUtf8())
		return std::string(text, length);
	return Converted(text, length, pg_server_to_any);
}

std::string
ToUtf8(const char *text) {
	return ToUtf8(text, std::strlen(text));
}

std::string
ToServer(const std::string &utf8) {
	if (ServerIsUtf8())
		return utf8;
	return Converted(utf8.c_str(), utf8.size(), pg_any_to_server);
}

char *
ToServerForReport(char *utf8) noexcept {
	if (!utf8)
		return nullptr;
	/* Make it valid UTF-8: an error message may quote bytes of invalid input. */
	const int length = static_cast<int>(std::strlen(utf8));
	for (int i = 0; i < length;) {
		const int width = pg_utf_mblen(reinterpret_cast<const unsigned char *>(utf8 + i));
		if (width > length - i || !pg_utf8_islegal(reinterpret_cast<const unsigned char *>(utf8 + i), width)) {
			utf8[i++] = '?';
			continue;
		}
		i += width;
	}
	if (GetDatabaseEncoding() == PG_UTF8)
		return utf8;

	char *volatile converted = nullptr;
	MemoryContext context = CurrentMemoryContext;
	PG_TRY();
	{
		converted = pg_any_to_server(utf8, length, PG_UTF8);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(context);
		FlushErrorState();
	}
	PG_END_TRY();
	if (converted)
		return converted;
	for (int i = 0; i < length; ++i) /* a character the server encoding lacks */
		if (static_cast<unsigned char>(utf8[i]) >= 0x80)
			utf8[i] = '?';
	return utf8;
}

} // namespace link_module::pg
