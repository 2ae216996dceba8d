/* The extension's settings (GUCs), defined in _PG_init. */
#pragma once

namespace link_module::settings {

/* link_module.notify: send NOTIFY link_module events for link changes (default on). */
extern bool notify;

} // namespace link_module::settings
