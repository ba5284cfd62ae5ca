/* assets.h -- the demo pages built into every server binary.
 * The table is generated from src/web by src/web/embed.sh at build time. */
#ifndef LAB_ASSETS_H
#define LAB_ASSETS_H

#include <stddef.h>

struct web_asset {
    const char *path;           /* "/poll.html" (the file name under src/web) */
    const char *content_type;   /* from the file's extension */
    const unsigned char *bytes; /* the file's bytes, static */
    size_t len;
};

/* Every file of src/web; ends with an entry whose path is NULL. */
extern const struct web_asset web_assets[];

/* The asset at `path` (exact match), or NULL. */
const struct web_asset *web_asset_find(const char *path, size_t path_len);

#endif
