/**
 * A submit button no one sees, for a form whose visible buttons are outside it (a Modal's
 * footer): with it, Enter in a field submits the form, as browsers do for forms with a submit
 * button. Not display:none, which some browsers skip for implicit submission.
 */
export function SubmitOnEnter() {
  return (
    <button
      type="submit"
      tabIndex={-1}
      aria-hidden
      style={{ position: 'absolute', width: 0, height: 0, padding: 0, border: 0, overflow: 'hidden', opacity: 0 }}
    />
  );
}
