"""The chapters of the demo, one module per part of the model it tells;
``agilegov.demo.scenario`` lists them in the order of the story."""
