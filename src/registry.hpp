/* The registry: linkables and link definitions, stored in link_module.linkable_registry and
 * link_module.link_registry and read through SPI in the caller's transaction. */
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/definition.hpp"
#include "pg/postgres.hpp"

namespace link_module::registry {

std::optional<Linkable> FindLinkable(const std::string &module, const std::string &model);

/* Registers (or re-registers) a linkable; `relation` nullopt makes it virtual. */
Linkable RegisterLinkable(const std::string &module, const std::string &model, std::optional<Oid> relation,
                          const LinkableOptions &options);

/* Removes a linkable's registration, refused while links use it; returns what it was. Takes
 * the rights re-registering it would. */
Linkable UnregisterLinkable(const std::string &module, const std::string &model);

/* The linkable a define_link side names: registered, or the table schema.table registered
 * implicitly as module = schema, model = table. `what` names the side in errors. */
Linkable ResolveLinkable(const std::string &module, const std::string &model, const std::string &what);

/* A stored link definition. */
struct StoredLink {
	LinkDefinition definition;
	Json json;
};

enum class LinkKey { ServiceName, EntryPoint };
std::optional<StoredLink> FindLink(LinkKey by, const std::string &value);

/* The stored link whose table is schema.table, if any. */
std::optional<StoredLink> FindLinkByTable(const std::string &schema, const std::string &table);

/* The stored (non read-only) link between (module_a, key_a) and (module_b, key_b), either order. */
std::optional<StoredLink> FindLinkBetween(const std::string &module_a, const std::string &key_a,
                                          const std::string &module_b, const std::string &key_b);

/* Inserts or replaces the registry row of a definition. */
void SaveLink(const LinkDefinition &definition, const Json &json);

void DeleteLink(const std::string &service_name);

/* Takes the registry lock that serializes define_link, drop_link and register_linkable. */
void LockRegistry();

/* The owner of the registry tables (the extension's owner). The registry is written only by the
 * extension's functions, as that role, once they have checked the caller's rights: nobody else
 * needs (or gets) write access to it. */
Oid Owner();

/* Whether this database's registry is the one this library reads (false, with a WARNING, while
 * ALTER EXTENSION link_module UPDATE has not run after a new version's install, or during DROP
 * EXTENSION): event triggers then do nothing rather than fail every DDL statement. */
bool CatalogIsCurrent();

/* Who may register a table and link it, decided as PostgreSQL decides for foreign keys and
 * triggers (README, Privileges). Each raises 42501 naming the table, the right missing and the
 * grant that would give it. */
/* register_linkable: TRIGGER and REFERENCES on the table (its owner has them). */
void RequireRegisterRights(Oid relation, const std::string &linkable, const char *action = "register");
/* define_link: on each side's table TRIGGER and REFERENCES; on a deleteCascade side's table also
 * DELETE and UPDATE (cascades delete and soft-delete its records as its owner). */
void RequireLinkRights(Oid relation, const std::string &linkable, bool delete_cascade, const std::string &link);
/* The OID of the relation `name` (regclass input: a quoted, qualified name). */
/* A linkable found by name (its table was dropped, and one of its owner's took the name):
 * its registration names that table (`relation`, regclass text) by OID again, as when it was
 * registered. Nothing for a registration whose table is there, or a table of another owner. */
void PinRelation(const std::string &module, const std::string &model, const std::string &relation);

Oid RelationOid(const std::string &name);

/* The privileges among `privileges` (TRIGGER, REFERENCES, DELETE, UPDATE) the current user
 * lacks on `relation`, comma-separated; empty when it has them all. */
std::string MissingPrivileges(Oid relation, const std::vector<const char *> &privileges);
/* drop_link, or define_link of a defined link (`action`: "drop", "redefine"): membership in the
 * role that owns the link table. */
void RequireLinkTableOwner(Oid link_table, const std::string &link, const char *action);

} // namespace link_module::registry
