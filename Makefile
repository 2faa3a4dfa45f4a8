# va - one non-recursive GNU Makefile.
#
#   make                 build bin/va-* and build/libva.a
#   make check           install what is missing, build, run every test suite
#   make check VALGRIND=1   the same under valgrind (memcheck, leaks fatal)
#   make check SAN=1     the same with AddressSanitizer and UBSan (build/san/)
#   make demo            install what is missing and run the main job
#   make golden          rewrite expected files of golden cases (not under CI)
#   make bench           benchmarks that print numbers
#   make fuzz            build the libFuzzer harnesses (clang, build/fuzz/) and
#                        run each for FUZZ_SECONDS (default 60)
#   make install         PREFIX=/usr/local DESTDIR=
#   make lint            mandoc -Tlint on the man pages

.DEFAULT_GOAL := all

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
DATADIR	?= $(PREFIX)/share/va
VERSION	:= 0.1.0

CC	?= cc
CFLAGS	?= -O2 -g
PKGS	:= jansson libcurl sndfile soxr sqlite3
WARN	:= -Wall -Wextra -Wshadow -Wformat=2 -Wpointer-arith -Wcast-qual \
	   -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wundef \
	   -Wno-unused-parameter -Wno-missing-field-initializers
# Developers (a git checkout) build with -Werror; a release tarball does not.
ifneq ($(wildcard .git),)
WERROR	?= -Werror
endif

ifeq ($(FUZZ),1)
# libFuzzer harnesses (fuzz/fz_*.c): the library built by clang with
# coverage for the fuzzer and both sanitizers; see fuzz/run.
O	:= build/fuzz
CC	:= clang
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
CFLAGS	:= -O1 -g
else ifeq ($(SAN),1)
O	:= build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
CFLAGS	:= -O1 -g
else
O	:= build
SANFLAGS :=
endif
BIN	:= $(if $(filter 1,$(SAN)),$(O)/bin,bin)

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	     -DVA_VERSION='"$(VERSION)"' -DVA_DATADIR='"$(DATADIR)"' \
	     $(WARN) $(WERROR) $(SANFLAGS) $(PKG_CFLAGS) -Ilib $(CFLAGS) $(CPPFLAGS)
ALL_LDFLAGS = $(SANFLAGS) -Wl,--as-needed $(LDFLAGS)
LIBS	= $(PKG_LIBS) -lm -lpthread

LIB_SRC	:= $(wildcard lib/*.c)
LIB_OBJ	:= $(LIB_SRC:%.c=$(O)/%.o)
LIBVA	:= $(O)/libva.a
CMD_SRC	:= $(wildcard cmd/*.c)
PROGS	:= $(CMD_SRC:cmd/%.c=$(BIN)/%)
UNIT_SRC := $(wildcard tests/unit/t_*.c)
UNITS	:= $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
# Each fuzz harness is also a unit test: fuzz/replay.c runs it over its
# saved inputs (t_fz_NAME); make fuzz builds it for libFuzzer (fz_NAME).
FUZZ_SRC := $(wildcard fuzz/fz_*.c)
FUZZERS	:= $(FUZZ_SRC:fuzz/%.c=$(O)/fuzz/%)
UNITS	+= $(FUZZ_SRC:fuzz/fz_%.c=$(O)/tests/t_fz_%)
MANS	:= $(wildcard man/*.[157])

# Data built by make (models, grammars), under build/data/; each section
# below adds its targets. Programs find them with lib/datapath.c.
DATA_TARGETS :=

# Programs with outside libraries of their own: LIBS_<prog>, CFLAGS_<prog>.
# Each area keeps its rules in its own section below.

# --- speech: va-asr, va-say ---
LIBS_va-asr	= $(shell pkg-config --libs pocketsphinx 2>/dev/null)
CFLAGS_va-asr	= $(patsubst -I%,-isystem %,$(shell pkg-config --cflags pocketsphinx 2>/dev/null))
# lib/sphinx.c is the one library file that includes pocketsphinx.
$(O)/lib/sphinx.o: ALL_CFLAGS += $(CFLAGS_va-asr)
# The domain language model and dictionary, estimated from our own
# customer-service phrases (data/asr/corpus.txt, slots.txt) by
# tools/lm-build and converted to pocketsphinx's binary form; the grammars
# are copied beside them so every build tree (build/, build/san/) has all.
ASR_MODEL	:= /usr/share/pocketsphinx/model/en-us
ASR_GRAMS	:= $(wildcard data/asr/*.gram)
ASR_DATA	:= $(O)/data/asr/domain.lm.bin $(O)/data/asr/domain.dict \
		   $(ASR_GRAMS:data/%=$(O)/data/%)
DATA_TARGETS	+= $(ASR_DATA)
# These rules come before `all`; keep it the default goal.
.DEFAULT_GOAL	:= all

$(O)/data/asr/domain.arpa $(O)/data/asr/domain.dict &: tools/lm-build \
    data/asr/corpus.txt data/asr/slots.txt $(ASR_GRAMS)
	@mkdir -p $(@D)
	$(say) LM $(O)/data/asr/domain.arpa
	$(Q)python3 tools/lm-build --cmudict $(ASR_MODEL)/cmudict-en-us.dict \
	    --arpa $(O)/data/asr/domain.arpa --dict $(O)/data/asr/domain.dict \
	    data/asr/corpus.txt data/asr/slots.txt $(ASR_GRAMS) 2>/dev/null

$(O)/data/asr/domain.lm.bin: $(O)/data/asr/domain.arpa
	$(say) LMBIN $@
	$(Q)sphinx_lm_convert -i $< -o $@.tmp -ofmt dmp >/dev/null 2>&1 && mv $@.tmp $@

$(O)/data/asr/%.gram: data/asr/%.gram
	@mkdir -p $(@D)
	$(Q)cp $< $@
LIBS_va-say	= -lflite_cmu_us_slt -lflite_cmu_us_kal -lflite_usenglish -lflite_cmulex -lflite
# --- end speech ---

# --- intent: va-intent ---
LIBS_va-intent	= -llinear
DATA_TARGETS	+= $(O)/data/intent/default.model
INTENT_DATA	:= data/intent/datasets.tsv data/intent/own.tsv

$(O)/data/intent/default.model: $(INTENT_DATA) $(BIN)/va-intent
	@mkdir -p $(@D)
	$(say) TRAIN $@
	$(Q)VA_LOG_LEVEL=warn $(BIN)/va-intent train -m $@ $(INTENT_DATA)
# --- end intent ---

# --- commerce: va-order, va-track ---
# lib/hmac.c (WooCommerce OAuth signing) is the one file using libcrypto.
LIBS_va-order	= -lcrypto
$(O)/tests/t_shop: LIBS += -lcrypto
# --- end commerce ---

# --- support: va-ticket, va-pay ---
# --- end support ---

# --- route: va-route ---
# va-route needs only sqlite (with FTS5) and jansson; its data (flow,
# locales, knowledge base) ships as it is under data/route/.
# --- end route ---

# Quiet by default; make V=1 shows the commands.
ifeq ($(V),1)
Q	:=
say	:= @true
else
Q	:= @
say	:= @printf '  %-6s %s\n'
endif

.PHONY: all check demo golden bench install uninstall clean deps lint units \
	fuzz fuzzers
.SUFFIXES:

all: $(PROGS) $(UNITS) $(DATA_TARGETS)

$(O)/lib/%.o: lib/%.c $(wildcard lib/*.h) Makefile
	@mkdir -p $(@D)
	$(say) CC $@
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBVA): $(LIB_OBJ)
	@rm -f $@
	$(say) AR $@
	$(Q)$(AR) rcs $@ $^

$(BIN)/%: cmd/%.c $(LIBVA) $(wildcard lib/*.h)
	@mkdir -p $(@D)
	$(say) LINK $@
	$(Q)$(CC) $(ALL_CFLAGS) $(CFLAGS_$*) $(ALL_LDFLAGS) -o $@ $< $(LIBVA) $(LIBS_$*) $(LIBS)

$(O)/tests/%: tests/unit/%.c $(LIBVA) $(wildcard lib/*.h) tests/unit/tap.h
	@mkdir -p $(@D)
	$(say) LINK $@
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit $(ALL_LDFLAGS) -o $@ $< $(LIBVA) $(LIBS)

$(O)/bench/%: bench/%.c $(LIBVA) $(wildcard lib/*.h)
	@mkdir -p $(@D)
	$(say) LINK $@
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBVA) $(LIBS)

units: $(UNITS)

FUZZ_LIBS = $(LIBVA) $(LIBS_va-intent) $(LIBS_va-order) $(LIBS)

$(O)/fuzz/%: fuzz/%.c fuzz/fz.h $(LIBVA) $(wildcard lib/*.h)
	@mkdir -p $(@D)
	$(say) LINK $@
	$(Q)$(CC) $(ALL_CFLAGS) -Ifuzz $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIBS)

$(O)/tests/t_fz_%: fuzz/fz_%.c fuzz/replay.c fuzz/fz.h $(LIBVA) $(wildcard lib/*.h)
	@mkdir -p $(@D)
	$(say) LINK $@
	$(Q)$(CC) $(ALL_CFLAGS) -Ifuzz -DFZ_NAME='"$*"' $(ALL_LDFLAGS) -o $@ $< fuzz/replay.c $(FUZZ_LIBS)

fuzzers: $(FUZZERS)

fuzz:
	@command -v clang >/dev/null || \
	    { echo "make fuzz: needs clang (apt-get install clang)" >&2; exit 1; }
	@$(MAKE) --no-print-directory FUZZ=1 fuzzers
	@fuzz/run $(FUZZ_SECONDS)

deps:
	@scripts/va-deps

check: deps
	@$(MAKE) --no-print-directory all
	@VA_BIN=$(abspath $(BIN)) VA_UNITS=$(abspath $(O)/tests) \
	    VALGRIND=$(VALGRIND) SAN=$(SAN) tests/run-all

demo: deps
	@$(MAKE) --no-print-directory all
	@VA_BIN=$(abspath $(BIN)) scripts/va-demo

golden: all
	@VA_BIN=$(abspath $(BIN)) tests/golden

bench: all $(O)/bench/filter-bench
	@VA_BIN=$(abspath $(BIN)) bench/run

lint:
	mandoc -Tlint -W warning $(MANS)

install: $(PROGS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(DATADIR)
	install -m 755 $(PROGS) $(DESTDIR)$(BINDIR)
	for s in scripts/va-*; do install -m 755 $$s $(DESTDIR)$(BINDIR); done
	for m in $(MANS); do s=$${m##*.}; \
	    install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s; done
	if [ -d data ]; then cp -R data/. $(DESTDIR)$(DATADIR)/; fi
	if [ -d $(O)/data ]; then cp -R $(O)/data/. $(DESTDIR)$(DATADIR)/; fi

uninstall:
	for p in $(notdir $(PROGS)) $(notdir $(wildcard scripts/va-*)); do \
	    rm -f $(DESTDIR)$(BINDIR)/$$p; done
	for m in $(notdir $(MANS)); do s=$${m##*.}; \
	    rm -f $(DESTDIR)$(MANDIR)/man$$s/$$m; done
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build bin
