/* The encoding edge: the C++ side works in UTF-8 (nlohmann's strings, the SQL text the core
 * builds); PostgreSQL's text is in the database's encoding. Every string that crosses goes
 * through one of these. In a UTF-8 database they copy and convert nothing. */
#pragma once

#include <cstddef>
#include <string>

#include "pg/postgres.hpp"

namespace link_module::pg {

/* True in a UTF-8 database, where nothing needs converting. */
bool ServerIsUtf8();

/* Server-encoded text as UTF-8 (22021 in an SQL_ASCII database for bytes that are not UTF-8). */
std::string ToUtf8(const char *text, std::size_t length);
std::string ToUtf8(const char *text);

/* UTF-8 text in the server encoding (22P05 for a character the encoding lacks). */
std::string ToServer(const std::string &utf8);

/* For error reports only, and never raises: `utf8` (a palloc'd string, changed in place)
 * with invalid bytes replaced by '?', converted to the server encoding, or with every
 * non-ASCII byte replaced when the conversion fails. Call outside any C++ catch block. */
char *ToServerForReport(char *utf8) noexcept;

} // namespace link_module::pg
