/* sim_topo.h: finding and loading machine models by name for the command line and the
 * simulator: `synth:...` specs, JSON files, and presets in the topology directory. */
#ifndef SIM_TOPO_H
#define SIM_TOPO_H

#include "core/ws_topo.h"

#include <stddef.h>

/* Directory that holds the presets: $SCHEDLAB_TOPOLOGIES if set, else
 * <directory of /proc/self/exe>/../traces/topologies (and ../../traces/topologies, for
 * binaries in build/NAME/), else ./traces/topologies. Writes it into buf (NUL-terminated);
 * returns buf, or NULL if none of them exists. */
const char *sim_topo_dir(char *buf, size_t len);

/* Load a model. name_or_path is, in this order: "synth:SPEC"; a path to a JSON file (anything
 * containing '/' or ending in ".json", or an existing file); or a preset name NAME looked up
 * as <sim_topo_dir>/NAME.json. On success returns 0 and *out owns the model (free with
 * ws_topo_destroy). On failure returns -1, *out is NULL, and err holds one line such as
 * "traces/topologies/m1.json:12:7: clusters[1].cores: core 9 is out of range 0..7". */
int sim_topo_load(const char *name_or_path, struct ws_topo **out, char *err, size_t errlen);

/* Load from a JSON file; same contract as sim_topo_load. */
int sim_topo_load_file(const char *path, struct ws_topo **out, char *err, size_t errlen);

/* Preset names (file names without ".json"), sorted. On success returns the count (>= 0) and
 * *names is a malloc'd array of malloc'd strings (free with sim_topo_names_free); -1 with err
 * set if the directory cannot be read. */
int sim_topo_list(char ***names, char *err, size_t errlen);
void sim_topo_names_free(char **names, int n);

/* Format e as "SOURCE:LINE:COL: FIELD: MESSAGE" (parts that are unknown are left out). */
void sim_topo_format_error(char *buf, size_t len, const char *source,
                           const struct ws_topo_error *e);

#endif
