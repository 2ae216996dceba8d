/* Helpers shared by the unit tests: a stand-in Quoter and linkable fixtures. */
#pragma once

#include "core/definition.hpp"
#include "core/error.hpp"

namespace link_module::testing {

/* Quotes every identifier, unlike quote_identifier, so tests see exactly what is quoted. */
inline const Quoter &
TestQuoter() {
	static const Quoter quoter{[](const std::string &name) { return "\"" + name + "\""; },
	                           [](const std::string &value) {
		                           std::string out = "'";
		                           for (char ch : value)
			                           out += ch == '\'' ? std::string("''") : std::string(1, ch);
		                           return out + "'";
	                           }};
	return quoter;
}

inline Linkable
TableLinkable(const std::string &module, const std::string &model, const std::string &key_type = "text") {
	Linkable linkable;
	linkable.module = module;
	linkable.model = model;
	linkable.relation = module + "." + model;
	linkable.primary_key = "id";
	linkable.key = model + "_id";
	linkable.key_type = key_type;
	linkable.alias = model;
	return linkable;
}

inline LinkDefinition
Define(const std::string &left, const std::string &right, const std::string &options = "{}") {
	SideSpec left_spec = ParseSide(left, "left side");
	SideSpec right_spec = ParseSide(right, "right side");
	return BuildDefinition(left_spec, TableLinkable(left_spec.module, left_spec.model), right_spec,
	                       TableLinkable(right_spec.module, right_spec.model),
	                       ParseLinkOptions(ParseJson(options, "options")));
}

/* The SQLSTATE a call throws, or "" when it does not throw. */
template <typename F>
std::string
SqlStateOf(F &&call) {
	try {
		call();
	} catch (const Error &error) {
		return error.sqlstate();
	}
	return "";
}

} // namespace link_module::testing
