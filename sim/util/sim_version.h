/* sim_version.h: schedlab's version, recorded with every run in the results database. */
#ifndef SIM_VERSION_H
#define SIM_VERSION_H

#define SIM_VERSION "0.1.0"

extern const char *const sim_version;   /* SIM_VERSION, for code that stores it */

#endif
