// A multipart/form-data body built by hand, as the seed's Python sample builds it, so tests can send exactly
// the parts (and the malformed ones) they mean to.

export interface FilePart {
  readonly filename: string;
  readonly contentType: string;
  readonly content: Buffer | string;
}

export function multipartBody(
  fields: Record<string, string>,
  files: Record<string, FilePart> = {},
  boundary = "wL36Yn8afVp8Ag7AmP8qZ0SA4n1v9T",
): { payload: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  const line = (text: string) => chunks.push(Buffer.from(`${text}\r\n`));
  for (const [name, part] of Object.entries(files)) {
    line(`--${boundary}`);
    line(`Content-Disposition: form-data; name=${name}; filename=${part.filename}`);
    line(`Content-Type: ${part.contentType}`);
    line("");
    chunks.push(Buffer.from(part.content), Buffer.from("\r\n"));
  }
  for (const [name, value] of Object.entries(fields)) {
    line(`--${boundary}`);
    line(`Content-Disposition: form-data; name=${name};`);
    line("Content-Type: text/plain");
    line("");
    line(value);
  }
  line(`--${boundary}--`);
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
