/** A URL the dashboard has no view for. */
export function NotFoundView() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no view at this address. Start from the <a href="/findings">findings</a>.
      </p>
    </section>
  );
}
