/* The one exception type of the pure core. It carries the SQLSTATE the entry-point guard
 * reports, so a validation error in C++ reaches the user exactly as an ereport would. */
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace link_module {

/* The SQLSTATEs the core raises (PostgreSQL's errcodes.txt). */
namespace sqlstate {
constexpr const char *kInvalidParameterValue = "22023";
constexpr const char *kNullValueNotAllowed = "22004";
constexpr const char *kInvalidTextRepresentation = "22P02";
constexpr const char *kInvalidJsonText = "22032";
constexpr const char *kUndefinedObject = "42704";
constexpr const char *kDependentObjectsStillExist = "2BP01";
constexpr const char *kUndefinedTable = "42P01";
constexpr const char *kUndefinedColumn = "42703";
constexpr const char *kDuplicateObject = "42710";
constexpr const char *kDuplicateTable = "42P07";
constexpr const char *kDuplicateColumn = "42701";
constexpr const char *kInvalidName = "42602";
constexpr const char *kDatatypeMismatch = "42804";
constexpr const char *kInvalidSchemaName = "3F000";
constexpr const char *kWrongObjectType = "42809";
constexpr const char *kInsufficientPrivilege = "42501";
constexpr const char *kObjectNotInPrerequisiteState = "55000";
constexpr const char *kUniqueViolation = "23505";
constexpr const char *kForeignKeyViolation = "23503";
constexpr const char *kNotNullViolation = "23502";
constexpr const char *kNoDataFound = "P0002";
constexpr const char *kTriggerProtocolViolated = "39P01";
constexpr const char *kSerializationFailure = "40001";
constexpr const char *kNumericValueOutOfRange = "22003";
constexpr const char *kCharacterNotInRepertoire = "22021";
constexpr const char *kFeatureNotSupported = "0A000";
constexpr const char *kProgramLimitExceeded = "54000";
constexpr const char *kAmbiguousAlias = "42725";
constexpr const char *kInternalError = "XX000";
} // namespace sqlstate

/* A name as error messages show it: in double quotes. */
inline std::string
Quoted(std::string_view text) {
	return "\"" + std::string(text) + "\"";
}

class Error : public std::runtime_error {
public:
	Error(const char *sqlstate, std::string message, std::string detail = {}, std::string hint = {})
	    : std::runtime_error(std::move(message)), detail_(std::move(detail)), hint_(std::move(hint)) {
		sqlstate_.assign(sqlstate, 5);
	}

	const std::string &sqlstate() const noexcept { return sqlstate_; }
	const std::string &detail() const noexcept { return detail_; }
	const std::string &hint() const noexcept { return hint_; }

private:
	std::string sqlstate_;
	std::string detail_;
	std::string hint_;
};

} // namespace link_module
