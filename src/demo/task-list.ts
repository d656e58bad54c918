/** The demo's task list: thumbnail, file name, labelled mark, the person's label or the last suggestion. */

export interface TaskRow {
  id: number;
  image: string;
  label: string;
  done: boolean;
  example: boolean;
  /** The person's choices for a labelled task ("Plankton · Colony"). */
  labelled?: string;
  /** The last suggestion, for a task not labelled yet. */
  suggestion?: string;
  current: boolean;
}

export function renderTaskList(root: HTMLElement, rows: readonly TaskRow[], onOpen: (id: number) => void): void {
  root.replaceChildren(...rows.map((row) => {
    const item = document.createElement('li');
    item.className = 'task' + (row.current ? ' current' : '') + (row.done ? ' done' : '');
    item.dataset.taskId = String(row.id);
    item.onclick = () => onOpen(row.id);
    const thumb = document.createElement('img');
    thumb.src = row.image;
    thumb.alt = '';
    thumb.loading = 'lazy';
    const text = document.createElement('div');
    const title = document.createElement('div');
    title.className = 'task-title';
    title.textContent = `#${row.id} ${row.label}${row.done ? (row.example ? ' ✓ example' : ' ✓') : ''}`;
    const hint = document.createElement('div');
    hint.className = 'task-hint';
    hint.textContent = row.labelled ?? (row.suggestion ? `suggested: ${row.suggestion}` : '');
    text.append(title, hint);
    item.append(thumb, text);
    return item;
  }));
}
