/**
 * Drops a UTF-8 byte order mark (EF BB BF) at the very start of an object's decoded bytes. Editors and some
 * Windows tools add one to text files; left in place it becomes part of the first line's first field (`type`), and
 * that line is rejected or mislabelled. Only the first three bytes of the stream are ever looked at.
 */
const BOM = [0xef, 0xbb, 0xbf] as const;

export async function* stripBom(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let head: Uint8Array = new Uint8Array(0);
  let decided = false;
  for await (const chunk of source) {
    if (decided) {
      yield chunk;
      continue;
    }
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    if (head.length < BOM.length && BOM.every((b, i) => i >= head.length || head[i] === b)) continue; // too short to tell
    decided = true;
    const hasBom = head.length >= BOM.length && BOM.every((b, i) => head[i] === b);
    const rest = hasBom ? head.subarray(BOM.length) : head;
    if (rest.length > 0) yield rest;
  }
  if (!decided && head.length > 0) yield head;
}
