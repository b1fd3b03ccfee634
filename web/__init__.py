"""Static web assets served by the app (no build step): the chat widget (`widget/`), the demo
storefront (`demo/`) and the agent console (`console/`)."""
