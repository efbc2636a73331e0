/** A byte or code as the failure texts name it: 0x, then `digits` hex digits, zero-padded. */
export function hex(n: number, digits: number): string {
  return `0x${n.toString(16).padStart(digits, '0')}`;
}
