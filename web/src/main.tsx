/** Entry point: mounts the dashboard. */
import { render } from "preact";
import { App } from "./app.js";
import { interceptLinks } from "./router.js";
import "./style.css";

interceptLinks();
render(<App />, document.getElementById("app")!);
