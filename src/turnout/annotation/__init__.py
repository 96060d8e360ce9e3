"""Pre-annotation for Label Studio: labeling configs, prompts, answers, confidence, accuracy.

One task goes through these steps:

    spec = label_config.parse_label_config(xml)             # once per project config
    sources = sources.task_sources(spec, task["data"])      # TaskDataInvalid: the task fails
    plan = prompt.build_prompt(spec, sources, instructions=…, examples=…,
                               capabilities=provider_type.capabilities)
    result = await switcher.generate(GatewayRequest(…, chat=plan.chat_request(logprobs=True)))
    read = answer.read_answer(spec, sources, plan.answer_text(result.…))
    if not read.ok:                                         # asked again once, then failed
        plan = prompt.repair_plan(plan, text, read.issues)  # … and read_answer again
    read.raise_if_invalid()                                 # PredictionInvalid: nothing written
    read.results                                            # Label Studio `result` items
    read.regions                                            # with what the model wrote, for
                                                            # confidence.RegionText
"""
