/** A table cell's text: pipes escaped, line breaks folded, so a value cannot break the table. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ')
}
