/* The extension's settings (GUCs), defined in _PG_init. */
#pragma once

namespace link_module::settings {

/* link_module.notify: send NOTIFY link_module events for link changes (default on). */
extern bool notify;

/* link_module.batch_size: the most rows one statement of a link operation takes (default
 * 50000); larger calls run in several statements, so their working memory stays bounded. */
extern int batch_size;

/* link_module.graph_max_depth: the most links one query_graph path may cross (default 6). */
extern int graph_max_depth;

/* link_module.graph_max_take: the largest pagination.take query_graph accepts (default 1000). */
extern int graph_max_take;

/* link_module.outside_delete_window: how far apart (milliseconds) the statements of one delete
 * made outside link_module (Medusa's link.delete: a statement per link table, then the
 * deleteCascade records) may lie for link_restore to undo them as one (default 5000). */
extern int outside_delete_window;

} // namespace link_module::settings
