/* assets.c -- finding a built-in demo file by its path (see assets.h). */
#include "lab/assets.h"

#include <string.h>

const struct web_asset *web_asset_find(const char *path, size_t path_len)
{
    for (const struct web_asset *a = web_assets; a->path; a++)
        if (strlen(a->path) == path_len && memcmp(a->path, path, path_len) == 0)
            return a;
    return NULL;
}
