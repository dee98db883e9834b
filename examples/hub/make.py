# A small dataset per record shape, laid out as the Hugging Face Hub serves them (<name>/data/train-*.parquet,
# written by pyarrow as `datasets` does), with column names that need mapping. The README's examples run on it.
# Regenerate with: python3 examples/hub/make.py  (needs pyarrow)
import os
import pyarrow as pa
import pyarrow.parquet as pq

here = os.path.dirname(os.path.abspath(__file__))

def write(name, rows, shards=1, compression="snappy"):
    folder = os.path.join(here, name, "data")
    os.makedirs(folder, exist_ok=True)
    table = pa.Table.from_pylist(rows)
    step = -(-len(rows) // shards)
    for i in range(shards):
        path = os.path.join(folder, f"train-{i:05d}-of-{shards:05d}.parquet")
        pq.write_table(table.slice(i * step, step), path, compression=compression)

# prompt/completion under other names, split in two shards
write("qa", [
    {"id": "qa-1", "question": "What is the boiling point of water at sea level?", "answer": "100 degrees Celsius."},
    {"id": "qa-2", "question": "Who wrote 'Pride and Prejudice'?", "answer": "Jane Austen."},
    {"id": "qa-3", "question": "How many legs does a spider have?", "answer": "Eight."},
    {"id": "qa-4", "question": "What gas do plants take in for photosynthesis?", "answer": "Carbon dioxide."},
], shards=2, compression="zstd")

# Alpaca: instruction / input / output
write("alpaca", [
    {"id": "al-1", "instruction": "Rewrite the sentence in the passive voice.", "input": "The cat chased the mouse.", "output": "The mouse was chased by the cat."},
    {"id": "al-2", "instruction": "Name three primary colours.", "input": "", "output": "Red, blue and yellow."},
    {"id": "al-3", "instruction": "Convert the temperature to Fahrenheit.", "input": "25 degrees Celsius", "output": "77 degrees Fahrenheit."},
])

# plain text for pretraining, in a column called `content`
write("text", [
    {"url": "https://example.org/a", "content": "Tides are caused mainly by the gravitational pull of the Moon on the oceans."},
    {"url": "https://example.org/b", "content": "A prime number has exactly two divisors: one and itself."},
    {"url": "https://example.org/c", "content": "Honey bees communicate the direction of food with a waggle dance."},
])

# messages: list<struct<role, content>> (TRL / H4 layout)
write("messages", [
    {"prompt_id": "m-1", "messages": [
        {"role": "system", "content": "You answer in one sentence."},
        {"role": "user", "content": "Why is the sky blue?"},
        {"role": "assistant", "content": "Air scatters blue light more than red light."}]},
    {"prompt_id": "m-2", "messages": [
        {"role": "user", "content": "Give me a synonym for happy."},
        {"role": "assistant", "content": "Cheerful."},
        {"role": "user", "content": "And one for sad?"},
        {"role": "assistant", "content": "Gloomy."}]},
], compression="gzip")

# ShareGPT: list<struct<from, value>>, a system prompt and tool definitions under other column names
tools = '[{"name": "get_time", "description": "Current time in a city", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]'
write("sharegpt", [
    {"id": "sg-1", "system_prompt": "You are a helpful assistant.", "functions": tools, "conversations": [
        {"from": "human", "value": "What time is it in Tokyo?"},
        {"from": "function_call", "value": '{"name": "get_time", "arguments": {"city": "Tokyo"}}'},
        {"from": "observation", "value": '{"time": "14:05"}'},
        {"from": "gpt", "value": "It is 14:05 in Tokyo."}]},
    {"id": "sg-2", "system_prompt": "You are a helpful assistant.", "functions": tools, "conversations": [
        {"from": "human", "value": "Say hello in Spanish."},
        {"from": "gpt", "value": "Hola."}]},
])
