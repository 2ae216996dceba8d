/* link_module.removals: the notes of the link rows that cascades removed (restores follow them)
 * and that link_dismiss or link_repair dismissed (no restore revives those). The table is the
 * extension's own: it is written only as the extension's owner, over the link rows that a
 * statement run as the changing role returned. */
#pragma once

#include <string>
#include <vector>

#include "core/definition.hpp"

namespace link_module::removals {

/* Notes the rows (left, right: key text, aligned) of `link` as dismissed now. */
void NoteDismissals(const LinkDefinition &link, const std::vector<std::string> &left,
                    const std::vector<std::string> &right);

} // namespace link_module::removals
