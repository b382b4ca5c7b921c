/* Compiles include/hpo.h alone, pedantic, to prove it needs nothing else. */
#include "hpo.h"

int main(void)
{
    hpo_study_options opts = HPO_STUDY_OPTIONS_INIT;
    hpo_optimize_options oo = HPO_OPTIMIZE_OPTIONS_INIT;
    hpo_command_options co = HPO_COMMAND_OPTIONS_INIT;
    (void)oo;
    (void)co;
    return (int)opts.version - HPO_STUDY_OPTIONS_VERSION;
}
