/* hex.h -- the value of a hexadecimal digit, for every reader of hex text:
 * chunk sizes (RFC 9112 §7.1), percent-escapes (RFC 3986 §2.1), JSON's
 * \uXXXX (RFC 8259 §7), and the hex that pushviz writes and reads back.
 *
 * One definition, so that they all agree on what a hex digit is: HEXDIG
 * of RFC 5234 §B.1, 0-9 and A-F in either case (ABNF strings ignore
 * case).  It is a few comparisons, so it is inline here rather than a
 * call into the library.
 */
#ifndef PROTO_HEX_H
#define PROTO_HEX_H

/* The value (0-15) of the hex digit c, or -1 when c is not one.  A byte
 * of a char buffer may be passed as it is: it converts to unsigned char
 * by value, so a byte above 0x7f is never mistaken for a digit. */
static inline int hex_digit_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The lowercase hex digit of v's low four bits: what every writer of hex
 * text here writes (chunk sizes, \uXXXX and \xNN escapes, hex dumps). */
static inline char hex_digit_char(unsigned v)
{
    return "0123456789abcdef"[v & 15];
}

#endif
