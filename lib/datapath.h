/*
 * datapath.h - finding the data files va ships (models, grammars, flows,
 * prompts) wherever va runs from.
 *
 * va_data_path("intent/default.model") tries, in order:
 *   $VA_DATA_DIR/NAME
 *   EXEDIR/../share/va/NAME         an installed tree (make install)
 *   EXEDIR/../build/data/NAME       built in a source tree (bin/ beside build/)
 *   EXEDIR/../data/NAME             shipped in a source tree, or built
 *                                   by the sanitizer build (build/san/)
 *   EXEDIR/../../../data/NAME       shipped, seen from build/san/bin/
 *   VA_DATADIR/NAME                 the compiled-in PREFIX/share/va
 * where EXEDIR is the folder of the running program. Returns a new string
 * (free()) naming the first that exists, or NULL (and logs diag
 * "data_missing" naming every place tried).
 */
#ifndef VA_DATAPATH_H
#define VA_DATAPATH_H

char	*va_data_path(const char *name);

#endif
