/*
 * encode.h -- a configuration as a point of the unit cube, for model-based
 * samplers (bo-notes "encoding"): one coordinate per parameter of a one-space
 * space, in the space's order.
 *   float        affine in [0, 1], after log for log parameters
 *   int          the centre of its cell: the lattice {low, low+step, ..., high}
 *                cut into K equal cells, (k + 1/2) / K; log ints: cells of equal
 *                width in log space, as hpo__param_from_unit decodes them
 *   categorical  the level index 0, 1, ..., C-1 (not in [0, 1]: models treat the
 *                coordinate as categorical, flags in `categorical`)
 * An inactive parameter (its condition fails) encodes as 0.5 (level 0), so one
 * configuration has one code. Decoding rounds every coordinate to its cell, so
 * decode(encode(c)) == c, and hpo__encode_snap(u) is the code of decode(u).
 */
#ifndef HPO_CORE_ENCODE_H
#define HPO_CORE_ENCODE_H

#include "core/params.h"
#include "core/space.h"

typedef struct hpo__encoder {
    const hpo__subspace *sub; /* borrowed from the space */
    size_t d;
    unsigned char *categorical; /* d flags */
    size_t *levels;             /* categorical: C; int: cells; float: 0 */
} hpo__encoder;

/* HPO_EINVAL (naming `who`) when the space has several sub-spaces or no parameter. */
int hpo__encoder_init(hpo__encoder *e, const hpo_space *space, const char *who);
void hpo__encoder_free(hpo__encoder *e);

/* The code of a configuration; HPO_EINVAL when a value does not belong to the
 * space (another type, an unknown level) -- such a trial is not modelled. */
int hpo__encode(const hpo__encoder *e, const hpo__params *p, double *u);
/* A configuration from any point: continuous coordinates clipped to [0, 1],
 * categorical ones rounded to a level. `out` empty on entry. */
int hpo__decode(const hpo__encoder *e, const double *u, hpo__params *out);
/* Replace u by the code of decode(u) (cell centres, inactive coordinates 0.5). */
int hpo__encode_snap(const hpo__encoder *e, double *u);

#endif
