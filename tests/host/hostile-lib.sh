# SPDX-License-Identifier: MIT
# What tests/host/hostile.sh's cases are made of: the base images (and
# their references after `sgdisk -d 1`), a case's damaged copy, and the two
# kinds of case: refused (nothing written, even with --repair) and one bad
# copy (refused, then rebuilt by --repair and judged against the
# reference). Sourced by bash after tests/host/lib.sh.
# shellcheck shell=bash

POKE="$PYTHON $ROOT/tests/fixtures/gptpoke.py"
NCASES=0

# ------------------------------------------------------------ base images ---
# BASE_IMG[name] image, BASE_BS[name] sector size, BASE_REF[name] the image
# after `sgdisk -d 1` (the expected result of a removal), when there is one.
declare -A BASE_IMG BASE_BS BASE_REF
B=$WORK/base
mkdir -p "$B"

# sgdisk through a loop device with BS-byte sectors (or on the file).
sg_bs() {
	local img=$1 bs=$2 rc
	shift 2
	if [ "$bs" = 512 ]; then
		sg "$@" "$img"
		return
	fi
	loop_attach "$img" "$bs" || return 1
	sg "$@" "$LOOP"
	rc=$?
	loop_detach "$LOOP"
	return $rc
}

# add_ws2019 NAME BS: the WS2019 Setup layout with BS-byte sectors, data
# marks in every partition and next to the arrays, and its reference.
add_ws2019() {
	local name=$1 bs=$2 img=$B/$1.img
	if [ "$bs" = 512 ]; then
		mk_ws2019 "$img" || return 1
	else
		truncate -s 1G "$img"
		loop_attach "$img" "$bs" || return 1
		raw_ws2019 "$LOOP"
		loop_detach "$LOOP"
	fi
	$CHECK marks "$img" --bs "$bs" >&2 || return 1
	cp --sparse=always "$img" "$B/$name.ref"
	sg_bs "$B/$name.ref" "$bs" -d 1 || return 1
	BASE_IMG[$name]=$img BASE_BS[$name]=$bs BASE_REF[$name]=$B/$name.ref
}

# add_base NAME BS: an image made by the caller in $B/NAME.img.
add_base() { BASE_IMG[$1]=$B/$1.img BASE_BS[$1]=$2; }

make_bases() {
	add_ws2019 ws2019 512 || return 1
	# sgdisk -h 2: a hybrid MBR with the ESP beside the 0xEE record.
	cp --sparse=always "$B/ws2019.img" "$B/hybrid.img"
	sg -h 2 "$B/hybrid.img" || return 1
	add_base hybrid 512
	new_disk "$B/mbr-only.img" 64M
	printf 'label: dos\n,32M,7\n,,7\n' | sfdisk -q "$B/mbr-only.img" \
		>/dev/null 2>&1 || return 1
	add_base mbr-only 512
	new_disk "$B/blank.img" 64M
	add_base blank 512
	# The first 3 and 34 sectors of the WS2019 disk: a protective MBR, the
	# primary header and (part of) its array, no room for anything else.
	dd if="$B/ws2019.img" of="$B/tiny.img" bs=512 count=3 status=none
	add_base tiny 512
	dd if="$B/ws2019.img" of="$B/cut34.img" bs=512 count=34 status=none
	add_base cut34 512
	if have_loop; then
		add_ws2019 ws2019-1k 1024 || return 1
		add_ws2019 ws2019-2k 2048 || return 1
	fi
}

# geometry BASE: $bs $last (last LBA) $ab (array blocks of 128 x 128
# bytes) $fu $lu (sgdisk's usable range) of a base image.
geometry() {
	bs=${BASE_BS[$1]}
	last=$(( $(stat -c %s "${BASE_IMG[$1]}") / bs - 1 ))
	ab=$(( 16384 / bs ))
	fu=$(( 2 + ab ))
	lu=$(( last - ab - 1 ))
}

# ------------------------------------------------------------ the cases ---

# HOSTILE_ONLY=REGEX runs only the cases whose name matches (grep -E).
selected() {
	[ -z "${HOSTILE_ONLY:-}" ] || printf '%s\n' "$1" | grep -qE "$HOSTILE_ONLY"
}

# prepare BASE GPTPOKE-ARGS... [+ GPTPOKE-ARGS...]: $D/disk.img, a copy of
# BASE damaged by one gptpoke run per "+"-separated group (none: as it
# is); $SS the --sector-size option it needs.
prepare() {
	local base=$1 args=()
	shift
	NCASES=$((NCASES + 1))
	D=$WORK/case$NCASES
	mkdir -p "$D"
	BS=${BASE_BS[$base]}
	SS=
	[ "$BS" = 512 ] || SS="--sector-size=$BS"
	cp --sparse=always "${BASE_IMG[$base]}" "$D/disk.img" ||
		{ flunk "copy of $base"; return 1; }
	while [ $# -gt 0 ]; do
		args=()
		while [ $# -gt 0 ] && [ "$1" != + ]; do
			args+=("$1")
			shift
		done
		[ $# -gt 0 ] && shift
		if ! $POKE "$D/disk.img" -b "$BS" "${args[@]}" >&2; then
			flunk "gptpoke ${args[*]}"
			return 1
		fi
	done
}

# summary_has TEXT: the one-line summary of disk 1 contains TEXT.
summary_has() {
	local line
	line=$(printf '%s\n' "$OUT" | grep -a '^gptrim: disk 1 ' | tail -n 1)
	case $line in
	*"$1"*) ;;
	*) flunk "summary line lacks '$1': ${line:-no summary line}" ;;
	esac
}

# refused RC NAME KEY BASE GPTPOKE-ARGS...: exit status RC (4 refused, 3 no
# GPT) with KEY on the summary, for the report, --apply and --apply
# --repair; nothing written.
refused() {
	local rc=$1 name=$2 key=$3 base=$4 s what a
	shift 4
	selected "$name" || return 0
	begin "$name"
	if prepare "$base" "$@"; then
		what="refused: "
		[ "$rc" = 3 ] && what="not GPT: "
		s=$(sum_of "$D/disk.img")
		for a in "" --apply "--apply --repair"; do
			# shellcheck disable=SC2086
			run_gptrim "$rc" $a ${SS:+"$SS"} "$D/disk.img"
			summary_has "$what"
			summary_has "$key"
		done
		unchanged "$D/disk.img" "$s"
		no_backup_saved "$D"
	fi
	end
}

# judge_ref IMG BASE: IMG is BASE after `sgdisk -d 1`: sgdisk -v clean,
# the same sfdisk --json, the same bytes.
judge_ref() {
	local img=$1 ref=${BASE_REF[$2]} bs=${BASE_BS[$2]} idev=$1 rdev
	rdev=$ref
	if [ "$bs" != 512 ]; then
		if ! loop_attach "$img" "$bs"; then
			flunk "losetup -b $bs"
			return
		fi
		idev=$LOOP
		if ! loop_attach "$ref" "$bs"; then
			flunk "losetup -b $bs"
			loop_detach "$idev"
			return
		fi
		rdev=$LOOP
	fi
	expect "sgdisk -v clean after the repair" sgdisk_clean "$idev"
	sfjson "$idev" "$D/after.json"
	sfjson "$rdev" "$D/ref.json"
	sed -i "s|$idev|DEV|g" "$D/after.json"
	sed -i "s|$rdev|DEV|g" "$D/ref.json"
	[ -s "$D/ref.json" ] || flunk "sfdisk --json of the reference failed"
	expect "sfdisk --json the same as after sgdisk -d 1" \
		diff "$D/ref.json" "$D/after.json"
	if [ "$bs" != 512 ]; then
		loop_detach "$rdev"
		loop_detach "$idev"
	fi
	[ "$($CHECK digest "$img")" = "$($CHECK digest "$ref")" ] ||
		flunk "not byte-identical to the image after sgdisk -d 1"
}

# one_bad NAME KEY BAD BASE GPTPOKE-ARGS...: one bad copy (BAD: primary or
# backup): refused without --repair (KEY, nothing written), rebuilt from
# the good copy with it, the recovery entry removed.
one_bad() {
	local name=$1 key=$2 bad=$3 base=$4 good=primary s
	shift 4
	[ "$bad" = primary ] && good=backup
	selected "$name" || return 0
	begin "$name"
	if prepare "$base" "$@"; then
		s=$(sum_of "$D/disk.img")
		run_gptrim 4 ${SS:+"$SS"} "$D/disk.img"
		summary_has "refused: $bad "
		summary_has "$key"
		summary_has "--repair rebuilds it from the $good copy"
		run_gptrim 4 --apply ${SS:+"$SS"} "$D/disk.img"
		summary_has "$key"
		unchanged "$D/disk.img" "$s"
		no_backup_saved "$D"
		run_gptrim 0 --apply --repair ${SS:+"$SS"} "$D/disk.img"
		out_has "Rebuilt the $bad GPT from the $good"
		summary_has "removed 1, healthy"
		ls "$D"/disk.img.*.gpt >/dev/null 2>&1 ||
			flunk "no backup saved before the repair"
		judge_ref "$D/disk.img" "$base"
	fi
	end
}
