/*
 * The C twin of io.cpumapd.packet.Headers and io.cpumapd.filter.FlowHash.symmetricPair, for the
 * C reference pipeline's l4-hash: it parses what the Java parser parses (VLAN/QinQ, IPv4 with IHL
 * and total-length checks, IPv6 extension headers and fragments, the L4 header), leaves the same
 * partial result on a truncated or malformed frame, and hashes the same bytes the same way, so
 * `bench redirect-cpu --impl both` compares equal work. Written from the Java semantics (not a
 * translation of anyone's C); the test io.cpumapd.bench.L4HashTwinTest holds both to the same
 * fields and target for every frame of the mixed capture and crafted edge frames.
 *
 * Static inline so that the RX loop inlines it, as the JIT inlines the Java parser.
 */
#ifndef CPM_BENCH_HEADERS_H
#define CPM_BENCH_HEADERS_H

#include <stdint.h>
#include <string.h>

#define CPM_ETH_HLEN 14
#define CPM_VLAN_HLEN 4
#define CPM_MAX_VLANS 2
#define CPM_MAX_IPV6_EXT 8
#define CPM_NO_L4 (-1)

struct cpm_headers {
	const uint8_t *data;
	int32_t len;
	int32_t l2_valid, l3_valid, l4_valid;
	int32_t l2_len, vlan_count, outer_tci, ether_type;
	int32_t l3_offset, ip_version, l3_hdr_len, l4_protocol, l4_offset;
	int32_t fragment, first_fragment;
	int32_t src_off, dst_off, addr_len;
	int32_t src_port, dst_port, tcp_flags, icmp_type;
};

static inline uint32_t cpm_be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static inline uint32_t cpm_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return __builtin_bswap32(v);
}

static inline uint64_t cpm_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return __builtin_bswap64(v);
}

static inline void cpm_headers_reset(struct cpm_headers *h, const uint8_t *data, int32_t len)
{
	h->data = data;
	h->len = len < 0 ? 0 : len;
	h->l2_valid = h->l3_valid = h->l4_valid = 0;
	h->l2_len = -1;
	h->vlan_count = 0;
	h->outer_tci = -1;
	h->ether_type = 0;
	h->l3_offset = -1;
	h->ip_version = 0;
	h->l3_hdr_len = -1;
	h->l4_protocol = -1;
	h->l4_offset = -1;
	h->fragment = h->first_fragment = 0;
	h->src_off = h->dst_off = -1;
	h->addr_len = 0;
	h->src_port = h->dst_port = -1;
	h->tcp_flags = -1;
	h->icmp_type = -1;
}

static inline int cpm_ipv6_ext(uint32_t proto)
{
	return proto == 0 || proto == 43 || proto == 60 || proto == 44; /* hop-by-hop, routing, dst opts, fragment */
}

/* Returns where the L4 header may end, or CPM_NO_L4. */
static inline int32_t cpm_parse_ipv4(struct cpm_headers *h, int32_t off)
{
	uint64_t head;
	uint32_t vihl, flags_frag, frag_off;
	int32_t hlen, total;

	if (off + 20 > h->len)
		return CPM_NO_L4;
	head = cpm_be64(h->data + off);
	vihl = (uint32_t)(head >> 56);
	if (vihl >> 4 != 4)
		return CPM_NO_L4;
	h->ip_version = 4;
	h->addr_len = 4;
	h->src_off = off + 12;
	h->dst_off = off + 16;
	hlen = (int32_t)(vihl & 0x0f) * 4;
	total = (int32_t)(head >> 32 & 0xffff);
	if (hlen < 20 || total < hlen || off + hlen > h->len)
		return CPM_NO_L4;
	flags_frag = (uint32_t)head & 0xffff;
	frag_off = flags_frag & 0x1fff;
	h->fragment = (flags_frag & 0x2000) != 0 || frag_off != 0;
	h->first_fragment = h->fragment && frag_off == 0;
	h->l3_hdr_len = hlen;
	h->l4_protocol = h->data[off + 9];
	h->l4_offset = off + hlen;
	h->l3_valid = 1;
	if (frag_off != 0)
		return CPM_NO_L4;
	return h->len < off + total ? h->len : off + total; /* bytes past the total length are padding */
}

static inline int32_t cpm_ipv6_payload(struct cpm_headers *h, int32_t off, int32_t cursor, uint32_t next,
				       int32_t l3_end, int later_fragment)
{
	h->l3_hdr_len = cursor - off;
	h->l4_protocol = (int32_t)next;
	h->l4_offset = cursor;
	h->l3_valid = 1;
	return later_fragment ? CPM_NO_L4 : l3_end;
}

/* Out of line as in Java: extension headers are rare, the common path stays small. */
static __attribute__((noinline, unused)) int32_t cpm_ipv6_walk(struct cpm_headers *h, int32_t off, int32_t l3_end,
						       uint32_t next)
{
	int32_t cursor = off + 40, walked;
	int later = 0;

	for (walked = 0; cpm_ipv6_ext(next) && !later; walked++) {
		uint32_t ext;
		int32_t hlen;

		if (walked == CPM_MAX_IPV6_EXT || cursor + 8 > l3_end)
			return CPM_NO_L4;
		ext = cpm_be32(h->data + cursor);
		if (next == 44) {
			uint32_t frag_off = (ext & 0xffff) >> 3;

			/* an atomic fragment (offset 0, no M flag) is a whole packet (RFC 6946) */
			h->fragment = (ext & 1) != 0 || frag_off != 0;
			h->first_fragment = h->fragment && frag_off == 0;
			later = frag_off != 0;
			hlen = 8;
		} else {
			hlen = (int32_t)((ext >> 16 & 0xff) + 1) * 8;
			if (cursor + hlen > l3_end)
				return CPM_NO_L4;
		}
		next = ext >> 24;
		cursor += hlen;
	}
	return cpm_ipv6_payload(h, off, cursor, next, l3_end, later);
}

static inline int32_t cpm_parse_ipv6(struct cpm_headers *h, int32_t off)
{
	uint64_t head;
	int32_t plen, l3_end;
	uint32_t next;

	if (off + 40 > h->len)
		return CPM_NO_L4;
	head = cpm_be64(h->data + off);
	if (head >> 60 != 6)
		return CPM_NO_L4;
	h->ip_version = 6;
	h->addr_len = 16;
	h->src_off = off + 8;
	h->dst_off = off + 24;
	plen = (int32_t)(head >> 16 & 0xffff);
	/* payload length 0 is a jumbogram: trust the frame length */
	l3_end = plen == 0 ? h->len : (h->len < off + 40 + plen ? h->len : off + 40 + plen);
	next = (uint32_t)(head >> 8) & 0xff;
	if (cpm_ipv6_ext(next))
		return cpm_ipv6_walk(h, off, l3_end, next);
	return cpm_ipv6_payload(h, off, off + 40, next, l3_end, 0);
}

static inline void cpm_parse_l4(struct cpm_headers *h, int32_t l3_end, int32_t icmp_proto)
{
	int32_t avail = l3_end - h->l4_offset, p = h->l4_protocol, need;
	int ports = p == 6 || p == 17 || p == 132;
	uint32_t first;

	need = p == 6 ? 20 : p == 17 ? 8 : p == 132 ? 12 : p == icmp_proto ? 4 : -1;
	if (need < 0 || avail < need)
		return;
	if (p == 6) {
		uint32_t off_flags = cpm_be16(h->data + h->l4_offset + 12);
		int32_t hlen = (int32_t)(off_flags >> 12) * 4;

		if (hlen < 20 || hlen > avail)
			return;
		h->tcp_flags = (int32_t)(off_flags & 0xff);
	}
	first = cpm_be32(h->data + h->l4_offset);
	if (ports) {
		h->src_port = (int32_t)(first >> 16);
		h->dst_port = (int32_t)(first & 0xffff);
	} else {
		h->icmp_type = (int32_t)(first >> 24);
	}
	h->l4_valid = 1;
}

/* Returns l2_valid: 0 for a frame shorter than its Ethernet header and VLAN tags. */
static inline int cpm_headers_parse(struct cpm_headers *h, const uint8_t *data, int32_t len)
{
	uint32_t type;
	int32_t off = CPM_ETH_HLEN, l4_end = CPM_NO_L4;

	cpm_headers_reset(h, data, len);
	if (h->len < CPM_ETH_HLEN)
		return 0;
	type = cpm_be16(data + 12);
	while ((type == 0x8100 || type == 0x88a8) && h->vlan_count < CPM_MAX_VLANS) {
		uint32_t tag;

		if (off + CPM_VLAN_HLEN > h->len)
			return 0;
		tag = cpm_be32(data + off);
		if (h->vlan_count == 0)
			h->outer_tci = (int32_t)(tag >> 16);
		type = tag & 0xffff;
		off += CPM_VLAN_HLEN;
		h->vlan_count++;
	}
	h->l2_valid = 1;
	h->l2_len = off;
	h->l3_offset = off;
	h->ether_type = type >= 0x0600 ? (int32_t)type : -1;
	if (type == 0x0800)
		l4_end = cpm_parse_ipv4(h, off);
	else if (type == 0x86dd)
		l4_end = cpm_parse_ipv6(h, off);
	if (l4_end != CPM_NO_L4)
		cpm_parse_l4(h, l4_end, h->ip_version == 4 ? 1 : 58);
	return 1;
}

static inline uint32_t cpm_rotl32(uint32_t x, int r)
{
	return x << r | x >> (32 - r);
}

/* FlowHash.symmetricPair: addresses added word by word (symmetric), protocol seeds, MurmurHash3 mixing. */
static inline uint32_t cpm_symmetric_pair(const struct cpm_headers *h)
{
	uint32_t words = (uint32_t)h->addr_len >> 2, hash, i;
	const uint8_t *src = h->data + h->src_off, *dst = h->data + h->dst_off;

	if (words == 0)
		return 0;
	hash = 0xdeadbeefu + h->data[h->l3_offset + (h->ip_version == 4 ? 9 : 6)];
	for (i = 0; i < words; i++) {
		uint32_t k = cpm_be32(src + 4 * i) + cpm_be32(dst + 4 * i);

		k *= 0xcc9e2d51u;
		k = cpm_rotl32(k, 15);
		k *= 0x1b873593u;
		hash ^= k;
		hash = cpm_rotl32(hash, 13);
		hash = hash * 5 + 0xe6546b64u;
	}
	hash ^= words;
	hash ^= hash >> 16;
	hash *= 0x85ebca6bu;
	hash ^= hash >> 13;
	hash *= 0xc2b2ae35u;
	return hash ^ (hash >> 16);
}

/* L4HashFilter: -1 (PASS) for a frame too short for its L2 header, target 0 without IP addresses,
 * else the hash modulo the target count. */
static inline int cpm_l4_hash_target(struct cpm_headers *h, const uint8_t *data, int32_t len, uint32_t targets)
{
	if (!cpm_headers_parse(h, data, len))
		return -1;
	if (h->addr_len == 0)
		return 0;
	return (int)(cpm_symmetric_pair(h) % targets);
}

/* Exported for the twin test (no EAL needed). out[] gets the fields in struct order from l2_valid
 * on (CPM_HEADERS_FIELDS of them); returns the parse result. */
#define CPM_HEADERS_FIELDS 21
int cpm_bench_headers_parse(const uint8_t *frame, int32_t len, int32_t *out);
/* The l4-hash target index of one frame for targets targets (>= 1), or -1 for PASS. */
int cpm_bench_l4_target(const uint8_t *frame, int32_t len, int32_t targets);

#endif
