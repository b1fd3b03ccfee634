"""Wire the nodes into the turn graph (see DESIGN.md, "Data flow of one customer turn")."""

from __future__ import annotations

from typing import Literal

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from agent import nodes
from agent.deps import Deps
from agent.state import ConversationState, TurnInput


def after_gate(state: ConversationState) -> Literal["handoff", "finalize", "retrieve", "respond"]:
    route = state.get("route")
    if route == "handoff":
        return "handoff"
    if route == "inbox":
        return "finalize"
    return "retrieve" if state.get("wants_knowledge") else "respond"


def after_respond(state: ConversationState) -> Literal["tools", "handoff", "review"]:
    if state.get("tool_calls"):
        return "tools"
    if state.get("route") == "handoff":
        return "handoff"
    return "review"


def after_review(state: ConversationState) -> Literal["handoff", "next_task", "finalize"]:
    if state.get("route") == "handoff":
        return "handoff"
    if (state.get("dialogue") or {}).get("open_tasks"):
        return "next_task"
    return "finalize"


def after_next_task(state: ConversationState) -> Literal["review", "retrieve", "respond"]:
    if state.get("replies"):
        return "review"
    return "retrieve" if state.get("wants_knowledge") else "respond"


def after_handoff(state: ConversationState) -> Literal["next_task", "finalize"]:
    # A callback ticket leaves the conversation with the assistant: the message's other
    # parts are still answered. A queued handoff ends the assistant's turn.
    if (state.get("mode") or "assistant") == "assistant" and state.get("route") == "continue" \
            and (state.get("dialogue") or {}).get("open_tasks"):
        return "next_task"
    return "finalize"


def after_tools(state: ConversationState) -> Literal["handoff", "respond"]:
    return "handoff" if state.get("route") == "handoff" else "respond"


def build_graph(checkpointer: BaseCheckpointSaver | None = None) -> CompiledStateGraph:
    graph = StateGraph(ConversationState, context_schema=Deps, input_schema=TurnInput)
    graph.add_node("guard_input", nodes.guard_input)
    graph.add_node("sense", nodes.sense)
    graph.add_node("policy_gate", nodes.policy_gate)
    graph.add_node("retrieve", nodes.retrieve)
    graph.add_node("respond", nodes.respond)
    graph.add_node("tools", nodes.tools)
    graph.add_node("review", nodes.review)
    graph.add_node("next_task", nodes.next_task)
    graph.add_node("handoff", nodes.handoff)
    graph.add_node("finalize", nodes.finalize)

    graph.add_edge(START, "guard_input")
    graph.add_edge("guard_input", "sense")
    graph.add_edge("sense", "policy_gate")
    graph.add_conditional_edges("policy_gate", after_gate)
    graph.add_edge("retrieve", "respond")
    graph.add_conditional_edges("respond", after_respond)
    graph.add_conditional_edges("tools", after_tools)
    graph.add_conditional_edges("review", after_review)
    graph.add_conditional_edges("next_task", after_next_task)
    graph.add_conditional_edges("handoff", after_handoff)
    graph.add_edge("finalize", END)
    return graph.compile(checkpointer=checkpointer)
