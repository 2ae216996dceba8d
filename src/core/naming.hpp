/* Medusa's naming rules, reproduced exactly so that link tables, indexes and service names
 * match an existing Medusa database (packages/core/utils: simple-hash, compress-name,
 * compose-link-name, to-pascal-case). */
#pragma once

#include <string>
#include <string_view>

namespace link_module::naming {

/* Longest identifier PostgreSQL keeps (NAMEDATALEN - 1 bytes). */
constexpr std::size_t kMaxIdentifierLength = 63;
/* Medusa compresses link table names longer than this. */
constexpr std::size_t kCompressLimit = 58;

/* DJB2 over UTF-16 code units with JavaScript int32 shift semantics, printed in hex. */
std::string SimpleHash(std::string_view text);

/* compressName(name, limit): lower-cased name, or a shortened name with the hash appended. */
std::string CompressName(std::string_view name, std::size_t limit = kCompressLimit);

/* Removes a trailing "_id" or "Service" (any case), as composeTableName does per part. */
std::string StripIdOrService(std::string_view part);

/* composeTableName(parts...): each part stripped, joined with "_". */
std::string ComposeTableName(std::initializer_list<std::string_view> parts);

/* toPascalCase: the first character and every character after "_" upper-cased, "_" removed. */
std::string ToPascalCase(std::string_view text);

/* camelToSnakeCase: "_" between a lower-case and an upper-case letter, then lower-cased. */
std::string CamelToSnakeCase(std::string_view text);

std::string ToLower(std::string_view text);

/* The names Medusa derives for a link between (module, alias, key) sides. */
struct LinkNames {
	std::string service_name; /* ProductProductBlogPostLink */
	std::string entry_point;  /* product_post */
	std::string entity;       /* LinkProductProductBlogPost */
	std::string logical_table; /* product_product_blog_post, or database.table as given */
	std::string table;        /* compressName(logical_table) */
	std::string hash;         /* simpleHash(logical_table): the index name suffix */
};

struct NameSide {
	std::string_view module;
	std::string_view alias;
	std::string_view key;
};

LinkNames ComposeLinkNames(const NameSide &left, const NameSide &right, std::string_view custom_table = {});

/* The plural of a list side's alias, as Medusa's query names it (npm pluralize on the whole
 * string): post -> posts, inventory -> inventories, person -> people, equipment -> equipment,
 * but wiring_equipment -> wiring_equipments; a word already plural stays as it is. */
std::string Pluralize(std::string_view word);

/* Truncates an identifier to what PostgreSQL keeps, as the parser would. */
std::string TruncateIdentifier(std::string name);

/* True for [A-Za-z_][A-Za-z0-9_]* of at most 63 bytes: the names we accept for modules,
 * models, keys, aliases and columns. */
bool IsValidIdentifier(std::string_view name);

} // namespace link_module::naming
